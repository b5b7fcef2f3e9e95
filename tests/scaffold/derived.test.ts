import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { deploymentNotes, reachedBy, topologyFor } from '../../tools/extract/templates.ts';
import { derivedSteps, extractSettings } from '../../tools/scaffold/derived.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('the regeneration of extracted apps after a new module', () => {
  it.each(modules.map((m) => [m.name, m] as const))('reads back the port and monolith address the notes of %s were extracted with', (_, m) => {
    const notes = deploymentNotes(m, topologyFor(m, modules, { port: 4711, monolithUrl: 'https://monolith.internal:8443' }));
    // Every module reaches the monolith (identity at least), except identity itself unless it calls a module or
    // exchanges events with one: the monolith's own REMOTE_MODULES, further down, names the deployment, not the monolith.
    const reaches = reachedBy(m, modules).length > 0;
    expect(extractSettings(notes)).toEqual(['--port', '4711', ...(reaches ? ['--monolith-url', 'https://monolith.internal:8443'] : [])]);
  });

  it('runs extract with the settings each app was extracted with, and with the defaults for notes that say none', () => {
    const root = tempDir('derived');
    writeFileSync(join(root, 'package.json'), JSON.stringify({ scripts: { extract: 'true' } }));
    const inventory = modules.find((m) => m.name === 'inventory');
    if (!inventory) throw new Error('no inventory module');
    const app = (name: string, notes?: string) => {
      mkdirSync(join(root, 'apps', 'extracted', name), { recursive: true });
      writeFileSync(join(root, 'apps', 'extracted', name, 'main.ts'), '');
      if (notes !== undefined) writeFileSync(join(root, 'apps', 'extracted', name, 'README.md'), notes);
    };
    app('inventory', deploymentNotes(inventory, topologyFor(inventory, modules, { port: 4711, monolithUrl: 'http://10.0.0.5:3000' })));
    app('catalog');
    const args = Object.fromEntries(derivedSteps(root).map((step) => [step.label, step.args]));
    expect(args).toEqual({
      'apps/extracted/inventory/': ['inventory', '--port', '4711', '--monolith-url', 'http://10.0.0.5:3000', '--force'],
      'apps/extracted/catalog/': ['catalog', '--force'],
    });
  });
});
