#!/usr/bin/env node
// Runs every benchmark of bench/ in turn (npm run bench). Each needs the compiled output in dist/.
"use strict";
require("./placement.js");
