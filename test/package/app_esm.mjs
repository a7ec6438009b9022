// An ES-module user of the installed package: named imports of a CommonJS package.
import { data, pipeline, detect } from 'vigil-ad';
import program from './program.cjs';

await program.trainAndScore({ data, pipeline, detect }, 'esm');
