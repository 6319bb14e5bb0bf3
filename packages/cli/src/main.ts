#!/usr/bin/env node
console.log('witness: not built yet');
