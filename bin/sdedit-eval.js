#!/usr/bin/env node
// The `sdedit-eval` command (npm run eval): the paper's evaluation of a model pack
// (src/cli/eval/main.ts, bundled to dist/eval.cjs).
'use strict';
require('./launch').launch({ name: 'sdedit-eval', bundle: 'eval.cjs', buildArgs: ['eval'] });
