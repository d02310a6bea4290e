#!/usr/bin/env -S node --max-semi-space-size=64
// Entry point of the `upbeat` command: the compiled program, built by `npm install` (prepare).
import "../dist/main.js";
