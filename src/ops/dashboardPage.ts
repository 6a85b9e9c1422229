/**
 * The dashboard page: static HTML with a small script, served as it is (no build step). It follows
 * `/dashboard/events` and renders the cluster view with `textContent` only (names come from
 * clients; nothing is parsed as HTML).
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>actorgrid dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f7f8fa; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
  .muted { color: #6b7280; } .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; }
  section { background: #fff; border: 1px solid #e3e6ea; border-radius: 6px; padding: .6rem .9rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #eef0f3; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; } .bad { color: #b42318; } .ok { color: #067647; }
</style>
</head>
<body>
<h1>actorgrid</h1>
<div class="muted">live view of the cluster, updated every second — <span id="status">connecting…</span> (update <span id="updated">0</span>)</div>
<div class="grid">
  <section><h2>Nodes</h2><table><thead><tr><th>node</th><th>url</th><th class="n">in flight</th><th class="n">ws</th><th class="n">sse</th></tr></thead><tbody id="nodes"></tbody></table>
    <h2>Grid members</h2><table><tbody id="members"></tbody></table></section>
  <section><h2>Calls by actor type (last 10 s, all nodes)</h2><table><thead><tr><th>type</th><th class="n">calls/s</th><th class="n">p99 ms</th><th class="n">errors</th></tr></thead><tbody id="calls"></tbody></table></section>
  <section><h2>Busiest actors</h2><table><thead><tr><th>actor</th><th class="n">calls (10 s)</th></tr></thead><tbody id="busiest"></tbody></table></section>
  <section><h2>Destinations</h2><table><thead><tr><th>destination</th><th class="n">subscribers</th></tr></thead><tbody id="destinations"></tbody></table></section>
  <section><h2>Recent errors</h2><table><thead><tr><th>when</th><th>code</th><th>call</th></tr></thead><tbody id="errors"></tbody></table></section>
</div>
<script>
(function () {
  var token = new URLSearchParams(location.search).get('access_token');
  var source = new EventSource('/dashboard/events' + (token ? '?access_token=' + encodeURIComponent(token) : ''));
  function row(cells, attrs) {
    var tr = document.createElement('tr');
    Object.keys(attrs || {}).forEach(function (k) { tr.setAttribute(k, attrs[k]); });
    cells.forEach(function (c) {
      var td = document.createElement('td');
      if (typeof c === 'number') td.className = 'n';
      td.textContent = String(c);
      tr.appendChild(td);
    });
    return tr;
  }
  function fill(id, rows) { var body = document.getElementById(id); body.replaceChildren.apply(body, rows); }
  source.addEventListener('stats', function (event) {
    var view = JSON.parse(event.data);
    var status = document.getElementById('status'); status.textContent = 'live'; status.className = 'ok';
    document.getElementById('updated').textContent = event.lastEventId;
    var cluster = view.cluster || {};
    var loads = {}; (cluster.nodes || []).forEach(function (n) { loads[n.id] = n.load; });
    fill('nodes', view.nodes.map(function (n) { return row([n.node, n.url, loads[n.node] || 0, n.connections.ws, n.connections.sse], { 'data-node': n.node }); }));
    fill('members', (cluster.members || []).map(function (m) { return row([m.address, m.id]); }));
    var types = {};
    view.nodes.forEach(function (n) { n.calls.forEach(function (c) {
      var t = types[c.type] || (types[c.type] = { perSec: 0, p99Ms: 0, errors: 0 });
      t.perSec += c.perSec; t.p99Ms = Math.max(t.p99Ms, c.p99Ms); t.errors += c.errors;
    }); });
    fill('calls', Object.keys(types).sort().map(function (k) { var t = types[k]; return row([k, Math.round(t.perSec * 10) / 10, t.p99Ms, t.errors], { 'data-type': k }); }));
    var actors = {};
    view.nodes.forEach(function (n) { n.busiest.forEach(function (b) { actors[b.actor] = (actors[b.actor] || 0) + b.calls; }); });
    fill('busiest', Object.keys(actors).sort(function (a, b) { return actors[b] - actors[a]; }).slice(0, 10).map(function (a) { return row([a, actors[a]], { 'data-actor': a }); }));
    var dests = {};
    view.nodes.forEach(function (n) { n.destinations.forEach(function (d) { dests[d.name] = (dests[d.name] || 0) + d.subscribers; }); });
    fill('destinations', Object.keys(dests).sort().map(function (d) { return row([d, dests[d]], { 'data-destination': d }); }));
    var errors = [];
    view.nodes.forEach(function (n) { n.errors.forEach(function (e) { errors.push(e); }); });
    errors.sort(function (a, b) { return b.at - a.at; });
    fill('errors', errors.slice(0, 20).map(function (e) { var r = row([new Date(e.at).toLocaleTimeString(), e.code, e.what]); r.className = 'bad'; return r; }));
  });
  source.onerror = function () { var s = document.getElementById('status'); s.textContent = 'reconnecting…'; s.className = 'bad'; };
})();
</script>
</body>
</html>
`;
