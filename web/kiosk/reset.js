// reset.js — what a reset wipes besides the page itself: storage, cookies and the history entry
// (Back must not bring the previous customer back).  The kiosk stores nothing on purpose; this
// clears whatever anything else (an extension, a future change) might have left.
export function wipeStorage() {
  for (const store of [() => window.localStorage, () => window.sessionStorage]) {
    try { store().clear(); } catch { /* storage disabled: nothing to clear */ }
  }
  for (const pair of document.cookie ? document.cookie.split(';') : []) {
    const name = pair.split('=')[0].trim();
    if (!name) continue;
    for (const path of ['/', location.pathname, location.pathname.replace(/[^/]*$/, '')])
      document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=${path}; SameSite=Strict`;
  }
}

// History: the kiosk's own entries only, holding nothing but which of the two they are.  'home'
// is the page as loaded; 'guard' is pushed once a customer starts (a user action, so the browser
// does not skip it), so that Back lands on 'home' inside this page, never on another document.
export const HOME = { kiosk: 'home' };
export const GUARD = { kiosk: 'guard' };

export function resetHistory(url) {
  history.replaceState(history.state && history.state.kiosk === 'guard' ? GUARD : HOME, '', url);
}
