import process from 'node:process';
import { crashMatrix } from './support/crash-matrix.ts';

crashMatrix('postgres', process.env.TEST_DATABASE_URL);
