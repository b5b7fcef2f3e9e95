import { describe, expect, it } from 'vitest';
import { registerModule } from '../../tools/scaffold/register.ts';

const loyalty = { module: 'loyalty-points', binding: 'loyaltyPointsModule' };

describe('new:module registers the module in apps/modules.ts', () => {
  it('adds the import after the other module imports and the module at the end of a one-line array', () => {
    const source = `import { catalogModule } from '../modules/catalog/index.ts';
import { inventoryModule } from '../modules/inventory/index.ts';

/** Every module. */
export const modules = [catalogModule, inventoryModule];
`;
    expect(registerModule(source, loyalty)).toBe(`import { catalogModule } from '../modules/catalog/index.ts';
import { inventoryModule } from '../modules/inventory/index.ts';
import { loyaltyPointsModule } from '../modules/loyalty-points/index.ts';

/** Every module. */
export const modules = [catalogModule, inventoryModule, loyaltyPointsModule];
`);
  });

  it('keeps module imports in alphabetical order', () => {
    const source = `import { catalogModule } from '../modules/catalog/index.ts';
import { ordersModule } from '../modules/orders/index.ts';

export const modules = [catalogModule, ordersModule];
`;
    const lines = registerModule(source, loyalty).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      "import { catalogModule } from '../modules/catalog/index.ts';",
      "import { loyaltyPointsModule } from '../modules/loyalty-points/index.ts';",
      "import { ordersModule } from '../modules/orders/index.ts';",
    ]);
  });

  it('follows an array written one module per line, with or without a trailing comma', () => {
    const withComma = `import { catalogModule } from '../modules/catalog/index.ts';

export const modules = [
  catalogModule,
];
`;
    expect(registerModule(withComma, loyalty)).toContain('export const modules = [\n  catalogModule,\n  loyaltyPointsModule,\n];');
    const withoutComma = withComma.replace('catalogModule,\n]', 'catalogModule\n]');
    expect(registerModule(withoutComma, loyalty)).toContain('export const modules = [\n  catalogModule,\n  loyaltyPointsModule\n];');
  });

  it('looks through `satisfies` and `as const`, and fills an empty array', () => {
    const source = `import type { ModuleDefinition } from '../platform/host/index.ts';

export const modules = [] as const satisfies readonly ModuleDefinition[];
`;
    const result = registerModule(source, loyalty);
    expect(result).toContain("import type { ModuleDefinition } from '../platform/host/index.ts';\nimport { loyaltyPointsModule }");
    expect(result).toContain('export const modules = [loyaltyPointsModule] as const');
  });

  it('refuses a module that is already registered, and a file without a modules array', () => {
    const registered = `import { loyaltyPointsModule } from '../modules/loyalty-points/index.ts';\nexport const modules = [loyaltyPointsModule];\n`;
    expect(() => registerModule(registered, loyalty)).toThrow('already imports ../modules/loyalty-points/index.ts');
    expect(() => registerModule('export const all = [];\n', loyalty)).toThrow('has no `export const modules = [...]`');
  });
});
