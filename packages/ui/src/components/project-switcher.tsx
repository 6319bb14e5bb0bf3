/**
 * Which project the UI shows, from the projects the caller may see (GET /api/projects). Switching
 * re-renders every page against the new project (app.tsx keys the content by it).
 */
import type { ProjectsJson } from '@witness/protocol';
import { useEffect } from 'preact/hooks';
import { useApi } from '../api/use-api.js';
import { learnProjects, setProject, useProject } from '../lib/project.js';

export function ProjectSwitcher() {
  const project = useProject();
  const { data } = useApi<ProjectsJson>('/api/projects');
  useEffect(() => {
    if (data) learnProjects(data.projects, data.current);
  }, [data]);
  // the current project is always offered, even before the list arrives or if it holds no data yet
  const projects = [...new Set([...(data?.projects ?? []), project])].sort();
  return (
    <label class="project-switcher">
      <span class="nav-heading">Project</span>
      <select
        data-testid="project-switcher"
        aria-label="Project"
        value={project}
        onChange={(e) => setProject((e.currentTarget as HTMLSelectElement).value)}
      >
        {projects.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </label>
  );
}
