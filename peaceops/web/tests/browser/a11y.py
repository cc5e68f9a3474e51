"""Accessibility checks run in the page: controls without a label, text below the WCAG AA
contrast ratio. Each returns a list of readable problems (empty when all is well), so a
test can `assert not problems, problems` on any page, the new ones included."""

UNLABELLED_CONTROLS = """() => {
  const controls = document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button');
  const problems = [];
  for (const el of controls) {
    if (el.closest('[hidden], [aria-hidden=true]')) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby') || el.getAttribute('title')
      || (el.tagName === 'BUTTON' && el.textContent.trim())
      || (['submit', 'button', 'reset'].includes(el.type) && el.value);
    if (!named) problems.push(el.outerHTML.slice(0, 120));
  }
  return problems;
}"""

# WCAG 2.x contrast: 4.5:1 for normal text, 3:1 for large text (24px, or 18.66px bold).
LOW_CONTRAST_TEXT = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return {r, g, b, a};
  };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || box.width === 0 || box.right <= 0) continue;
    const bg = background(el), c = parse(style.color);
    const fg = {r: c.r * c.a + bg.r * (1 - c.a), g: c.g * c.a + bg.g * (1 - c.a),
                b: c.b * c.a + bg.b * (1 - c.a)};
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) {
      const text = node.textContent.trim().slice(0, 40);
      problems.push(`${ratio.toFixed(2)}:1 < ${needed}:1 ${style.color} on `
        + `rgb(${bg.r}, ${bg.g}, ${bg.b}): ${el.tagName} "${text}"`);
    }
  }
  return problems;
}"""


def unlabelled_controls(page) -> list[str]:
    return page.evaluate(UNLABELLED_CONTROLS)


def low_contrast_text(page) -> list[str]:
    return page.evaluate(LOW_CONTRAST_TEXT)
