"""The workshop dashboard: collaboration dynamics live in the browser (``colabsim serve``).

The dashboard is a Solara web app. Its logic lives in plain Python modules that need no browser
and no web framework, so it is testable on its own:

- `colabsim.app.catalog`: the scenarios to choose from (shipped files and uploaded ones);
- `colabsim.app.upload`: a participant's own scenario file, from uploaded bytes (never a server path);
- `colabsim.app.interventions`: the intervention buttons as timeline events;
- `colabsim.app.session`: one browser session's runs (one, or two side by side), stepping,
  sliders, interventions and reset;
- `colabsim.app.charts`: the live charts (trust network, performance by sector, trust and
  commitment) as ECharts options and per-frame data, drawn in the browser.

The web layer is `colabsim.app.controls` and `colabsim.app.views` (Solara components),
`colabsim.app.livechart` (the ECharts widget that takes a frame's data without a reset),
`colabsim.app.page` (the page, one `Dashboard` per browser session), `colabsim.app.guard` (the
ASGI guard in front of Solara: access token, read-only assets, session cap) and
`colabsim.app.server` (sets Solara's settings and starts the web server). Importing this package
imports none of them, so the rest of colabsim works without the web dependencies loaded.
"""
