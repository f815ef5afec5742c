// The console's only script (no inline scripts: the CSP forbids them).
"use strict";
