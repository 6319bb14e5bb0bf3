/** A placeholder that reserves a nav slot and URL for a capability another module delivers. */
export function slotPage(title: string, description: string) {
  return function SlotPage() {
    return (
      <div class="page">
        <header class="page-header">
          <h1>{title}</h1>
        </header>
        <div class="state state-empty">
          <strong>{title} are not configured yet</strong>
          <div class="muted">{description}</div>
        </div>
      </div>
    );
  };
}
