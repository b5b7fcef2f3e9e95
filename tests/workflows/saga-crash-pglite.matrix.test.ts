import { crashMatrix } from './support/crash-matrix.ts';

crashMatrix('pglite', undefined);
