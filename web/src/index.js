// Entry point: <script src=".../widget.js" data-server="https://rasa.example" data-lang="en" defer>
// Loads widget.css from beside this script (a <link>, never an inline style: the host
// page's CSP allows style-src 'self'), then mounts the widget at the end of <body>.

import { createWidget } from "./widget.js";
import { pickLang } from "./strings.js";

// Only defined while this script runs for the first time, so read it now.
const script =
  document.currentScript || document.querySelector('script[src*="widget.js"][data-server]');

function boot() {
  if (document.getElementById("cw-root")) return; // embedded twice
  const data = (script && script.dataset) || {};
  const lang = pickLang(data.lang, document.documentElement.lang);
  const src = script && script.src ? script.src : window.location.href;

  let mounted = false;
  const mount = () => {
    if (mounted) return;
    mounted = true;
    document.body.append(createWidget({ server: data.server || "", lang }).root);
  };
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("widget.css", src).href;
  // Mounted once styled (no flash of an unstyled widget); without the stylesheet it
  // still works, plainly.
  link.addEventListener("load", mount);
  link.addEventListener("error", mount);
  setTimeout(mount, 3000);
  document.head.append(link);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
