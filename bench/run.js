#!/usr/bin/env node
// Runs the placement benchmark (npm run bench). The whole-program benchmark takes longer:
// npm run bench:program. Each needs the compiled output in dist/ (npm run build).
"use strict";
require("./placement.js");
