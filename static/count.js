/* blogapp comment counts: fills every [data-blogapp-count] element (its data-url, else its
   href, else the page) with "No comments", "1 Comment" or "N Comments", asking the comment
   server once (/api/v1/counts takes up to 100 addresses a request). */
(() => {
  "use strict";
  const script = document.currentScript;
  const api = new URL("../api/v1/counts", script ? script.src : location.href).href;
  const text = (n) => (n ? n + (n === 1 ? " Comment" : " Comments") : "No comments");
  const normal = (value) => {
    const url = new URL(value, location.href);
    url.hash = "";
    url.search = "";
    return url.href;
  };

  async function fill() {
    const wanted = new Map();
    for (const e of document.querySelectorAll("[data-blogapp-count]")) {
      const url = normal(e.dataset.url || e.getAttribute("href") || location.href);
      if (!wanted.has(url)) wanted.set(url, []);
      wanted.get(url).push(e);
    }
    const urls = [...wanted.keys()];
    for (let i = 0; i < urls.length; i += 100) {
      const query = urls.slice(i, i + 100).map((u) => "url=" + encodeURIComponent(u)).join("&");
      try {
        const response = await fetch(api + "?" + query, { credentials: "omit" });
        if (!response.ok) continue;
        const { counts } = await response.json();
        for (const [url, n] of Object.entries(counts)) {
          for (const e of wanted.get(url) || []) e.textContent = text(n);
        }
      } catch (e) { /* leave the elements' own text */ }
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill);
  else fill();
})();
