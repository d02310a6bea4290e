/**
 * The status pages' stylesheet, inlined in every page (one request, no JavaScript). Light and
 * dark by the visitor's preference; states differ by icon, text and pattern, not by colour alone;
 * below 600 px the bars show the last 30 days.
 */
export const STATUS_PAGE_CSS = `
:root{--bg:#f6f7f9;--card:#fff;--fg:#1c2024;--mute:#5c6470;--line:#dde1e6;--up:#1f883d;--deg:#b7791f;--down:#cf222e;--mnt:#1f6feb;--none:#c9cfd6;--link:#0b5cc4}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#171b21;--fg:#e6e9ed;--mute:#9aa4b0;--line:#2a3038;--up:#3fb950;--deg:#d29922;--down:#f85149;--mnt:#58a6ff;--none:#3a424c;--link:#6cb6ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}
.wrap{max-width:56rem;margin:0 auto;padding:1.5rem 1rem 3rem}
header.top{display:flex;gap:1rem;align-items:center;margin-bottom:1.5rem}
header.top img{max-height:3rem;max-width:10rem}
h1{font-size:1.6rem;margin:0}
h2{font-size:1.15rem;margin:2rem 0 .75rem}
h3{font-size:1rem;margin:0 0 .25rem}
.desc{color:var(--mute);margin:.25rem 0 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin:.75rem 0}
.banner{display:flex;gap:.75rem;align-items:center;color:#fff;border-radius:.5rem;padding:1rem 1.25rem;font-size:1.15rem}
.banner .when{margin-left:auto;font-size:.85rem;opacity:.9}
.banner time{color:inherit;font-size:inherit}
.b-up{background:var(--up)}.b-degraded{background:var(--deg)}.b-down{background:var(--down)}.b-maintenance{background:var(--mnt)}
@media (prefers-color-scheme:dark){.banner{color:#0f1216}}
.ico{display:inline-flex;width:1.4em;height:1.4em;border-radius:50%;align-items:center;justify-content:center;font-weight:700;font-size:.8em;border:2px solid currentColor;flex:none}
ul.mons{list-style:none;margin:0;padding:0}
ul.mons>li{padding:.75rem 0;border-top:1px solid var(--line)}
ul.mons>li:first-child{border-top:0}
.row{display:flex;gap:.75rem;justify-content:space-between;align-items:baseline;flex-wrap:wrap}
.name{font-weight:600}
.st{display:inline-flex;gap:.4rem;align-items:center;font-size:.9rem}
.st-up{color:var(--up)}.st-degraded{color:var(--deg)}.st-down{color:var(--down)}.st-maintenance{color:var(--mnt)}.st-paused,.st-pending{color:var(--mute)}
ol.bar{display:flex;gap:2px;list-style:none;margin:.5rem 0 .25rem;padding:0;height:2rem;align-items:flex-end}
ol.bar li{flex:1;height:100%;border-radius:2px;background:var(--up)}
ol.bar li.d-none{background:var(--none);height:45%}
ol.bar li.d-degraded{background:repeating-linear-gradient(45deg,var(--deg) 0 3px,transparent 3px 5px),var(--deg);opacity:.85}
ol.bar li.d-partial{background:linear-gradient(var(--down) 0 35%,var(--deg) 35%)}
ol.bar li.d-down{background:repeating-linear-gradient(-45deg,var(--down) 0 3px,#0000 3px 4px),var(--down)}
.legend{display:flex;justify-content:space-between;color:var(--mute);font-size:.8rem}
.legend .m30{display:none}
@media (max-width:600px){ol.bar li:nth-child(-n+60){display:none}.legend .m90{display:none}.legend .m30{display:inline}}
.tag{display:inline-block;font-size:.75rem;border:1px solid currentColor;border-radius:1rem;padding:0 .5rem;margin-left:.5rem;vertical-align:middle;font-weight:600}
.i-major{color:var(--down)}.i-minor{color:var(--deg)}.i-none,.i-maintenance{color:var(--mnt)}
ol.ups{list-style:none;margin:.5rem 0 0;padding:0}
ol.ups li{padding:.5rem 0 .5rem .75rem;border-left:3px solid var(--line)}
ol.ups .state{font-weight:600}
.meta,time{color:var(--mute);font-size:.85rem}
.body{white-space:pre-line;margin:.15rem 0}
nav.pager{display:flex;justify-content:space-between;margin-top:1rem}
footer{color:var(--mute);font-size:.85rem;margin-top:2.5rem;border-top:1px solid var(--line);padding-top:1rem}
footer a{margin-right:.75rem}
form.pw{display:flex;flex-direction:column;gap:.5rem;max-width:20rem}
form.pw input,form.pw button{font:inherit;padding:.5rem;border-radius:.35rem;border:1px solid var(--line)}
form.pw button{background:var(--link);color:#fff;border:0;cursor:pointer}
.err{color:var(--down);font-weight:600}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`
  .trim()
  .replace(/\n/g, "");
