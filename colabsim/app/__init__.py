"""The workshop dashboard: collaboration dynamics live in the browser (``colabsim serve``).

The dashboard is a Solara web app. Its logic lives in plain Python modules that need no browser
and no web framework, so it is testable on its own:

- `colabsim.app.catalog`: the scenarios to choose from (shipped files and uploaded ones);
- `colabsim.app.upload`: a participant's own scenario file, from uploaded bytes (never a server path);
- `colabsim.app.interventions`: the intervention buttons as timeline events;
- `colabsim.app.session`: one browser session's runs (one, or two side by side), stepping,
  sliders, interventions and reset;
- `colabsim.app.charts`, `colabsim.app.strip`: the live charts (trust network, performance by
  sector, trust and commitment, the difference strip) as ECharts options and per-frame data;
- `colabsim.app.i18n`, `colabsim.app.messages`: the two languages (a translator per session,
  gettext catalogues in ``locale/``) and every string shown, gathered for the catalogues;
- `colabsim.app.export`, `colabsim.app.summary`: the take-home files and the end-of-run summary
  measured over several seeds;
- `colabsim.app.restore`, `colabsim.app.room`: a run kept in the page's address and replayed after
  a reload; every session of the process, for the facilitator's read-only overview;
- `colabsim.app.handout`: the workshop's bilingual A4 handout.

The web layer is `colabsim.app.controls`, `colabsim.app.views`, `colabsim.app.takehome` and
`colabsim.app.facilitator` (Solara components), `colabsim.app.browser` (the page's keys, language
and address in the browser),
`colabsim.app.livechart` (the ECharts widget that takes a frame's data without a reset),
`colabsim.app.page` (the page, one `Dashboard` per browser session), `colabsim.app.guard` (the
ASGI guard in front of Solara: access token, read-only assets, session cap) and
`colabsim.app.server` (sets Solara's settings and starts the web server). Importing this package
imports none of them, so the rest of colabsim works without the web dependencies loaded.
"""
