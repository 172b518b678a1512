// idle.js — the kiosk's idle guard: after `idleMs` without a touch or a key, a modal warning with a
// visible countdown (at least 20 s, WCAG 2.2.1) and "I'm still here"; at zero, onTimeout (a reset).
// Any touch or key while the warning shows counts as "still here", as at the terminal kiosk.
export const MIN_COUNTDOWN_S = 20;

export function createIdle({ idleMs, countdownS, dialog, countEl, textEl, button, text, onTimeout }) {
  let armed = false, timer = 0, tick = 0, left = 0, before = null;
  const secs = Math.max(MIN_COUNTDOWN_S, countdownS);

  const clear = () => { clearTimeout(timer); clearInterval(tick); timer = tick = 0; };
  const arm = () => { clear(); if (armed) timer = setTimeout(warn, idleMs); };
  const paint = () => { countEl.textContent = String(left); textEl.textContent = text(left); };

  function warn() {
    left = secs;
    paint();
    before = document.activeElement;
    dialog.showModal();
    button.focus();
    tick = setInterval(() => {
      left -= 1;
      paint();
      if (left <= 0) { stop(); onTimeout(); }
    }, 1000);
  }

  function stillHere() {
    if (!dialog.open) return;
    clear();
    dialog.close();
    if (before && before.isConnected) before.focus();
    arm();
  }

  function stop() {
    armed = false;
    clear();
    if (dialog.open) dialog.close();
  }

  const activity = () => { if (dialog.open) stillHere(); else if (armed) arm(); };
  for (const ev of ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'])
    document.addEventListener(ev, activity, { capture: true, passive: true });
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); stillHere(); });   // Escape
  button.addEventListener('click', stillHere);

  return {
    start() { armed = true; arm(); },
    stop,
    showing: () => dialog.open,
  };
}
