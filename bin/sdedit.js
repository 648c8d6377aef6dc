#!/usr/bin/env node
// The `sdedit` command: SDEdit on PNG files (src/cli/main.ts, bundled to dist/cli.cjs).
'use strict';
require('./launch').launch({ name: 'sdedit', bundle: 'cli.cjs', buildArgs: [] });
