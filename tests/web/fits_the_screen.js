/* Measures the page as a person sees it. Skipped: what only a screen reader gets (1 px boxes
   that clip), the skip link until focused, and the boxes meant to pan inside themselves (a
   chart's canvas, the alignment map).
   Returns what is wrong, in words; nothing when the page fits. */
(width) => {
  const INTENDED = 'canvas, .alignment-map';
  const PHONE = 640;  // okrs.css stacks tables at this width and below
  const problems = [];
  const seen = new Set();
  const name = (el) => {
    let s = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    return text ? `${s} "${text}"` : s;
  };
  const report = (el, what) => {
    for (let e = el; e; e = e.parentElement) if (seen.has(e)) return;
    seen.add(el);
    problems.push(`${name(el)} ${what}`);
  };
  const hiddenCache = new Map();
  const srOnly = (el) => {
    if (!el || el === document.body) return false;
    if (hiddenCache.has(el)) return hiddenCache.get(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const hidden = el.classList.contains('skip-link') || el.tagName === 'TEMPLATE'
      || (style.overflow !== 'visible' && box.width <= 1 && box.height <= 1)
      || srOnly(el.parentElement);
    hiddenCache.set(el, hidden);
    return hidden;
  };
  const root = document.documentElement;
  if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth} px wide`);
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest(INTENDED)) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (srOnly(el)) continue;
    if (box.right > width + 1 || box.left < -1) {
      report(el, `reaches from ${Math.round(box.left)} to ${Math.round(box.right)} px`);
      continue;
    }
    const field = ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
    if (field && !el.readOnly) continue;  // what a person types may scroll in its field
    const clips = (overflow) => overflow !== 'visible';
    if (clips(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      report(el, `hides ${el.scrollWidth - el.clientWidth} px of its content sideways`);
    } else if (['hidden', 'clip'].includes(style.overflowY) && el.scrollHeight > el.clientHeight + 1) {
      report(el, `cuts off ${el.scrollHeight - el.clientHeight} px of its content`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent || parent.closest(INTENDED + ', script, style')) continue;
    if (srOnly(parent) || !parent.checkVisibility()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width && (rect.right > width + 1 || rect.left < -1)) {
        report(parent, `has text running to ${Math.round(rect.right)} px`);
        break;
      }
    }
  }
  // A button's or a column heading's word is never split across lines ("Sho / w", "Scor / e"):
  // each word's text sits on one line.
  for (const button of document.querySelectorAll('button, .button, input[type=submit], thead th')) {
    if (button.closest(INTENDED) || !button.checkVisibility() || srOnly(button)) continue;
    const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/[^\s-]+/g)) {  // "Person-/weeks" is fine
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top)));
        if (lines.size > 1) report(button, `breaks the word "${match[0]}" across lines`);
      }
    }
  }
  // On a phone every table is stacked: each cell under a visible heading says which heading it
  // is under (a wide screen shows the headings themselves).
  for (const table of width <= PHONE ? document.querySelectorAll('table') : []) {
    if (table.closest(INTENDED) || !table.checkVisibility()) continue;
    const headings = [...table.querySelectorAll('thead th')].map(th => {
      const shown = th.cloneNode(true);  // the heading a sighted person reads on a wide screen
      shown.querySelectorAll('.visually-hidden').forEach(e => e.remove());
      return shown.textContent.trim();
    });
    for (const row of table.querySelectorAll('tbody tr')) {
      [...row.cells].forEach((cell, i) => {
        if (cell.tagName === 'TH' || !headings[i] || !cell.innerText.trim()) return;
        const label = getComputedStyle(cell, '::before').content;
        if (!label.includes(headings[i])) {
          report(cell, `(column "${headings[i]}") is shown without its label on a phone`);
        }
      });
    }
  }
  return problems;
}
