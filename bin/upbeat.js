#!/usr/bin/env node
// Entry point of the `upbeat` command: the compiled program, built by `npm install` (prepare).
import "../dist/main.js";
