/**
 * The admin login page for Bull Board: exchanges a bearer token for the `/admin` cookie. Static HTML and a
 * separate script file served from our origin (no inline script: it works under `script-src 'self'`). In the tab
 * where the web client is signed in, the token is taken from its sessionStorage, so an admin just clicks.
 */
export const LOGIN_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Netra admin sign-in</title>
<script src="/admin/login.js" defer></script>
</head>
<body>
<main>
<h1>Netra admin</h1>
<p>Bull Board needs an admin session. Paste a bearer token (a JWT whose <code>roles</code> claim contains
<code>admin</code>); it is exchanged for a short-lived cookie that only <code>/admin</code> pages receive.</p>
<form id="login">
<label for="token">Bearer token</label><br>
<textarea id="token" name="token" rows="4" cols="80" autocomplete="off" spellcheck="false"></textarea><br>
<button type="submit">Open the queue dashboard</button>
</form>
<p id="status" role="status"></p>
</main>
</body>
</html>
`;

export const LOGIN_JS = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var field = document.getElementById('token');
  var status = document.getElementById('status');
  try {
    var saved = JSON.parse(window.sessionStorage.getItem('netra.session.v1') || 'null');
    if (saved && typeof saved.token === 'string') field.value = saved.token;
  } catch (e) { /* no saved session */ }
  document.getElementById('login').addEventListener('submit', function (event) {
    event.preventDefault();
    status.textContent = 'Signing in…';
    fetch('/api/v1/admin/session', { method: 'POST', headers: { authorization: 'Bearer ' + field.value.trim() } })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error((body && body.error && body.error.message) || ('HTTP ' + res.status));
          window.location.assign(body.url);
        });
      })
      .catch(function (error) { status.textContent = error.message; });
  });
});
`;
