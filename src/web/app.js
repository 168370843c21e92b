// The web page: token entry, search, projects with live indexing progress.
// Talks to the JSON API beside /mcp with the same bearer token.
import { highlight } from './highlight.js';

const TOKEN_KEY = 'codebase-mcp-token';
const $ = (selector) => document.querySelector(selector);
const state = { projects: [], jobs: [], streamController: null, view: 'search' };

class Unauthorized extends Error {}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(path, init = {}) {
  const response = await fetch(path, {
    ...init,
    headers: { ...(init.headers || {}), authorization: `Bearer ${token()}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  if (response.status === 401) {
    showToken('The server refused this token (401). Check it and enter it again.');
    throw new Unauthorized();
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = body.error || {};
    throw new Error([error.message || `HTTP ${response.status}`, error.hint].filter(Boolean).join(' '));
  }
  return body;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function setStatus(id, text, isError = false) {
  const node = $(id);
  node.textContent = text;
  node.classList.toggle('error', isError);
}

// ---- views -------------------------------------------------------------

function showView(view) {
  state.view = view;
  for (const name of ['token', 'search', 'projects']) $(`#view-${name}`).hidden = name !== view;
  for (const tab of document.querySelectorAll('.tab')) {
    if (tab.dataset.view === view) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  const signedIn = view !== 'token';
  $('#nav').hidden = !signedIn;
  $('#forget-token').hidden = !signedIn;
  if (view === 'search') $('#q').focus();
  if (view === 'projects') loadProjects();
  if (signedIn && location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`);
}

function showToken(problem) {
  stopJobStream();
  const note = $('#token-problem');
  note.hidden = !problem;
  note.textContent = problem || '';
  showView('token');
  $('#token-input').focus();
}

async function signIn() {
  if (!token()) return showToken('');
  try {
    await loadProjects();
  } catch (error) {
    if (error instanceof Unauthorized) return;
    setStatus('#search-status', `Could not load projects: ${error.message}`, true);
  }
  startJobStream();
  showView(location.hash === '#projects' ? 'projects' : 'search');
}

// ---- search ------------------------------------------------------------

function editorLink(project, hit) {
  const root = state.projects.find((candidate) => candidate.name === project)?.root;
  if (!root) return null;
  return `vscode://file${encodeURI(`${root.startsWith('/') ? '' : '/'}${root}/${hit.path}`)}:${hit.start_line}`;
}

function renderResult(project, hit, index) {
  const lines = hit.snippet.split('\n');
  const gutter = lines.map((_, offset) => hit.snippet_start_line + offset).join('\n');
  const code = element('code', { class: `language-${hit.language}` });
  code.innerHTML = highlight(hit.snippet, hit.language);
  const href = editorLink(project, hit);
  const title = `${hit.path}:${hit.start_line}-${hit.end_line}`;
  return element(
    'li',
    { class: 'result' },
    element(
      'article',
      { 'aria-label': `Result ${index + 1}: ${title}` },
      element(
        'header',
        {},
        href ? element('a', { class: 'path', href, title: 'Open in VS Code' }, hit.path) : element('span', { class: 'path' }, hit.path),
        element('span', { class: 'meta mono' }, `lines ${hit.start_line}–${hit.end_line}`),
        hit.symbol ? element('code', { class: 'symbol' }, hit.kind ? `${hit.kind} ${hit.symbol}` : hit.symbol) : null,
        element('span', { class: 'badge' }, hit.language),
        hit.stale ? element('span', { class: 'badge stale', title: 'The file changed since it was indexed' }, 'stale') : null,
        hit.truncated ? element('span', { class: 'badge' }, 'truncated') : null,
        element('span', { class: 'meta score' }, `score ${Number(hit.score).toFixed(3)}`),
      ),
      element('pre', { class: 'snippet' }, element('span', { class: 'gutter', 'aria-hidden': 'true' }, gutter), code),
    ),
  );
}

async function search(event) {
  event.preventDefault();
  const form = new FormData($('#search-form'));
  const params = new URLSearchParams();
  for (const [name, value] of form) if (String(value).trim()) params.set(name, String(value).trim());
  setStatus('#search-status', 'Searching…');
  $('#results').replaceChildren();
  const started = performance.now();
  try {
    const outcome = await api(`/api/search?${params}`);
    const took = Math.round(performance.now() - started);
    const notices = outcome.notices.length ? ` ${outcome.notices.join(' ')}` : '';
    setStatus(
      '#search-status',
      outcome.results.length
        ? `${outcome.results.length} results in ${outcome.project} (${outcome.mode}, ${took} ms).${notices}`
        : `No results in ${outcome.project}. Try other words, lexical mode for exact identifiers, or fewer filters.${notices}`,
    );
    $('#results').replaceChildren(...outcome.results.map((hit, index) => renderResult(outcome.project, hit, index)));
  } catch (error) {
    if (!(error instanceof Unauthorized)) setStatus('#search-status', error.message, true);
  }
}

// ---- projects ----------------------------------------------------------

const PALETTE = ['#3b7dd8', '#d8893b', '#4aa564', '#b44fc4', '#c8b23a', '#d0505f', '#3bb0b5', '#8a7b6b'];

function languageChart(languages) {
  if (!languages || languages.length === 0) return null;
  const top = languages.slice(0, 7);
  const rest = languages.slice(7).reduce((sum, entry) => sum + entry.files, 0);
  const parts = rest ? [...top, { language: 'other', files: rest }] : top;
  const total = parts.reduce((sum, entry) => sum + entry.files, 0) || 1;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 100 4');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Languages by files: ${parts.map((entry) => `${entry.language} ${entry.files}`).join(', ')}`);
  let x = 0;
  parts.forEach((entry, index) => {
    const rect = document.createElementNS(ns, 'rect');
    const width = (entry.files / total) * 100;
    rect.setAttribute('x', String(x));
    rect.setAttribute('y', '0');
    rect.setAttribute('width', String(width));
    rect.setAttribute('height', '4');
    rect.setAttribute('fill', PALETTE[index % PALETTE.length]);
    x += width;
    svg.append(rect);
  });
  const legend = element(
    'ul',
    { class: 'legend', 'aria-hidden': 'true' },
    parts.map((entry, index) => {
      const swatch = element('i');
      // Set through the CSSOM: the page's CSP refuses inline style attributes.
      swatch.style.background = PALETTE[index % PALETTE.length];
      return element('li', {}, swatch, `${entry.language} ${Math.round((entry.files / total) * 100)} %`);
    }),
  );
  return element('div', { class: 'chart' }, svg, legend);
}

function formatTime(iso) {
  return iso ? new Date(iso).toLocaleString() : 'never';
}

function jobFor(project) {
  return state.jobs.find((job) => job.project === project);
}

function renderJob(project) {
  const job = jobFor(project);
  const holder = document.getElementById(`job-${project}`);
  if (!holder) return;
  if (!job) return holder.replaceChildren();
  const running = job.state === 'running';
  const label = `Indexing ${project}: ${job.percent} %`;
  holder.replaceChildren(
    element(
      'div',
      { class: 'job', 'data-state': job.state, 'data-job': job.job_id },
      element('div', { class: 'line' }, element('span', { class: `state-${job.state}` }, running ? `Indexing: ${job.phase}` : `Last job: ${job.state}`), element('span', { class: 'percent mono' }, `${job.percent} %`)),
      element('progress', { max: '100', value: String(job.percent), 'aria-label': label }),
      element('div', { class: 'line meta' }, element('span', {}, `${job.files_done}/${job.files_total} files, ${job.chunks_written} chunks`), job.error ? element('span', {}, job.error) : null),
      running
        ? element('div', { class: 'actions' }, element('button', { type: 'button', class: 'danger', onclick: () => cancelJob(job.job_id) }, `Cancel indexing ${project}`))
        : null,
    ),
  );
}

function renderProjects() {
  const cards = state.projects.map((project) =>
    element(
      'article',
      { class: 'project', 'aria-labelledby': `title-${project.name}` },
      element('h3', { id: `title-${project.name}` }, project.name),
      element('div', { class: 'root mono' }, project.root),
      element(
        'dl',
        {},
        element('dt', {}, 'Files'), element('dd', {}, String(project.files ?? 0)),
        element('dt', {}, 'Chunks'), element('dd', {}, String(project.chunks ?? 0)),
        element('dt', {}, 'Last indexed'), element('dd', {}, formatTime(project.last_indexed_at)),
        project.watcher ? [element('dt', {}, 'Watcher'), element('dd', {}, typeof project.watcher === 'string' ? project.watcher : project.watcher.state ?? JSON.stringify(project.watcher))] : null,
      ),
      languageChart(project.languages),
      element(
        'div',
        { class: 'actions' },
        element('button', { type: 'button', class: 'secondary', onclick: () => reindex(project.name, false) }, `Update index of ${project.name}`),
        element('button', { type: 'button', class: 'secondary', onclick: () => reindex(project.name, true) }, 'Rebuild'),
      ),
      element('div', { id: `job-${project.name}`, 'aria-live': 'polite' }),
    ),
  );
  $('#projects').replaceChildren(...cards);
  for (const project of state.projects) renderJob(project.name);
  setStatus('#projects-status', state.projects.length ? '' : 'No projects yet. Index a repository with codebase-mcp index <path> or the index_repository tool.');
}

function fillProjectChoices() {
  const select = $('#project');
  const current = select.value;
  select.replaceChildren(...state.projects.map((project) => element('option', { value: project.name }, project.name)));
  if (current && state.projects.some((project) => project.name === current)) select.value = current;
  const languages = new Set(state.projects.flatMap((project) => (project.languages || []).map((entry) => entry.language)));
  $('#languages').replaceChildren(...[...languages].sort().map((language) => element('option', { value: language })));
}

async function loadProjects() {
  const { projects } = await api('/api/projects');
  state.projects = projects;
  fillProjectChoices();
  renderProjects();
}

async function reindex(project, force) {
  try {
    const { job } = await api('/api/index', { method: 'POST', body: JSON.stringify({ project, force }) });
    // The job stream may already have brought a newer state of this job: keep that one.
    if (!state.jobs.some((other) => other.job_id === job.job_id)) updateJobs([job, ...state.jobs]);
  } catch (error) {
    if (!(error instanceof Unauthorized)) setStatus('#projects-status', error.message, true);
  }
}

async function cancelJob(id) {
  try {
    await api(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
  } catch (error) {
    if (!(error instanceof Unauthorized)) setStatus('#projects-status', error.message, true);
  }
}

function updateJobs(jobs) {
  const finishedNow = jobs.filter((job) => job.state !== 'running' && state.jobs.some((old) => old.job_id === job.job_id && old.state === 'running'));
  state.jobs = jobs;
  for (const project of state.projects) renderJob(project.name);
  if (finishedNow.length && state.view === 'projects') loadProjects().catch(() => {});
}

// ---- live jobs (server-sent events read with fetch, which can send the token) ----

function stopJobStream() {
  state.streamController?.abort();
  state.streamController = null;
}

async function startJobStream() {
  stopJobStream();
  const controller = new AbortController();
  state.streamController = controller;
  try {
    const response = await fetch('/api/jobs/events', { headers: { authorization: `Bearer ${token()}` }, signal: controller.signal });
    if (response.status === 401) return showToken('The server refused this token (401). Check it and enter it again.');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
        if (data) updateJobs(JSON.parse(data).jobs);
      }
    }
  } catch (error) {
    if (controller.signal.aborted) return;
  }
  if (state.streamController === controller) setTimeout(() => state.streamController === controller && startJobStream(), 2000);
}

// ---- wiring --------------------------------------------------------------

$('#token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $('#token-input').value.trim();
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  $('#token-input').value = '';
  signIn();
});
$('#forget-token').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showToken('');
});
$('#search-form').addEventListener('submit', search);
for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => showView(tab.dataset.view));
window.addEventListener('hashchange', () => {
  const view = location.hash.slice(1);
  if (token() && (view === 'search' || view === 'projects') && view !== state.view) showView(view);
});

signIn();
