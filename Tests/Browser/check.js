// Gridflow's page check, injected into a copy of a page that headless Chromium then loads
// (see Tests/GridflowCLITests/Browser.swift). On load it looks for
//   tofu:     every distinct non-ASCII character of the visible text, drawn on a canvas in the
//             computed font of its element, whose pixels equal those of U+10FFFD (a private-use
//             code point no font has): the browser found no glyph for it;
//   overflow: every element whose content is wider than its box (scrollWidth > clientWidth),
//             and a page wider than the window;
//   wrapped:  every table header or caption that breaks onto a new line inside a word (between
//             two letters, digits or ideographs).
// and writes the verdict, as percent-encoded JSON, into a new pre element, id gridflow-verdict.
(function () {
  function describe(element) {
    let text = element.tagName.toLowerCase();
    if (element.id) text += "#" + element.id;
    if (typeof element.className === "string" && element.className) text += "." + element.className.split(/\s+/).join(".");
    const words = (element.textContent || "").trim().replace(/\s+/g, " ");
    return text + " \"" + words.slice(0, 40) + "\"";
  }
  function visible(element) {
    for (let e = element; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === "none" || style.visibility === "hidden") return false;
    }
    return true;
  }
  function check() {
    const verdict = { tofu: [], overflow: [], wrapped: [], characters: 0,
      pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth };
    // Tofu.
    const wanted = new Map();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, element = node.parentElement;
      if (!element || ["SCRIPT", "STYLE", "TITLE"].includes(element.tagName) || !visible(element)) continue;
      const style = getComputedStyle(element);
      const font = style.fontStyle + " " + style.fontWeight + " 40px " + style.fontFamily;
      for (const character of node.data) {
        if (character.codePointAt(0) < 128 || /\s/u.test(character)) continue;
        const key = character + "\u0000" + font;
        if (!wanted.has(key)) wanted.set(key, { character, font, where: describe(element) });
      }
    }
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    function pixels(text, font) {
      context.clearRect(0, 0, 64, 64);
      context.font = font;
      context.fillStyle = "#000";
      context.textBaseline = "top";
      context.fillText(text, 8, 8);
      return context.getImageData(0, 0, 64, 64).data;
    }
    const missing = new Map();
    const characters = new Set();
    for (const { character, font, where } of wanted.values()) {
      characters.add(character);
      if (!missing.has(font)) missing.set(font, pixels("\u{10FFFD}", font));
      const reference = missing.get(font), drawn = pixels(character, font);
      let same = true;
      for (let i = 0; i < drawn.length && same; i++) same = drawn[i] === reference[i];
      if (same) verdict.tofu.push({ character, code: "U+" + character.codePointAt(0).toString(16).toUpperCase(), where });
    }
    verdict.characters = characters.size;
    // Overflow.
    for (const element of document.body.querySelectorAll("*")) {
      if (element.closest("svg") || ["SCRIPT", "STYLE", "PRE"].includes(element.tagName) || !visible(element)) continue;
      if (element.clientWidth > 0 && element.scrollWidth > element.clientWidth) {
        verdict.overflow.push(describe(element) + " " + element.scrollWidth + " > " + element.clientWidth);
      }
    }
    if (verdict.pageWidth > verdict.viewport) {
      verdict.overflow.push("the page is " + verdict.pageWidth + " px wide in a window of " + verdict.viewport);
    }
    // Headers that wrap inside a word.
    const inWord = /[\p{L}\p{N}]/u;
    for (const element of document.body.querySelectorAll("th, figcaption, caption, h1, h2, .head")) {
      if (!visible(element)) continue;
      const texts = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      let previous = null;
      while (texts.nextNode()) {
        const node = texts.currentNode;
        for (let i = 0; i < node.data.length; i++) {
          const range = document.createRange();
          range.setStart(node, i); range.setEnd(node, i + 1);
          const rect = range.getBoundingClientRect();
          if (rect.width === 0 && rect.height === 0) continue;
          const character = node.data[i];
          if (previous && rect.top >= previous.bottom - 1 && inWord.test(previous.character) && inWord.test(character)) {
            verdict.wrapped.push(describe(element) + " breaks between '" + previous.character + "' and '" + character + "'");
          }
          previous = { character, bottom: rect.bottom };
        }
      }
    }
    const out = document.createElement("pre");
    out.id = "gridflow-verdict";
    out.textContent = encodeURIComponent(JSON.stringify(verdict));
    document.body.appendChild(out);
  }
  if (document.readyState === "complete") check(); else window.addEventListener("load", check);
})();
