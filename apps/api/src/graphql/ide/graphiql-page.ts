import { createHash } from 'node:crypto';

/** The IDE page, and the Content-Security-Policy directives it needs to run (and nothing more). */
export interface GraphiqlPage {
  readonly html: string;
  readonly contentSecurityPolicy: Readonly<Record<string, readonly string[]>>;
}

const DEFAULT_HEADERS = '{\n  "Authorization": "Bearer <token>"\n}';

const DEFAULT_QUERY = `# Put your token in the Headers tab below, then run the query (Ctrl-Enter).
# Re-fetch the schema (Shift-Ctrl-R) for completion and the documentation explorer.
{
  images(first: 5) {
    totalCount
    nodes {
      shortId
      repoTags
      size
    }
  }
}
`;

/** Options of Yoga's GraphiQL that JSON can carry; the functions are in GRAPHIQL_BOOTSTRAP. */
const GRAPHIQL_OPTIONS = {
  title: 'Stevedore',
  // graphql-ws on /graphql itself, as the api serves subscriptions.
  subscriptionsProtocol: 'WS',
  // A bearer token is a secret: never written to the browser's storage.
  shouldPersistHeaders: false,
  defaultHeaders: DEFAULT_HEADERS,
  defaultEditorToolsVisibility: 'headers',
  defaultQuery: DEFAULT_QUERY,
};

/**
 * The page's own script. The server authenticates a graphql-ws connection by the
 * `authorization` of connection_init, while GraphiQL sends its header editor's headers only with
 * each operation (too late: after the acknowledgement), so this script follows the headers of the
 * active tab and hands their Authorization to the WebSocket client as connectionParams, read each
 * time a connection opens. It also keeps the query out of the address bar (Yoga writes it there):
 * a token-less page load must be a bare GET /graphql.
 */
const GRAPHIQL_BOOTSTRAP = `(() => {
  const options = ${scriptSafeJson(GRAPHIQL_OPTIONS)};
  let headers = options.defaultHeaders;
  const authorizationIn = (text) => {
    try {
      const parsed = JSON.parse(text || '{}');
      const name = Object.keys(parsed).find((key) => key.toLowerCase() === 'authorization');
      return name && typeof parsed[name] === 'string' ? parsed[name] : undefined;
    } catch {
      return undefined;
    }
  };
  YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), {
    ...options,
    onEditQuery: () => {},
    onEditHeaders: (value) => {
      headers = value;
    },
    onTabChange: (state) => {
      headers = state.tabs[state.activeTabIndex]?.headers ?? '';
    },
    connectionParams: () => {
      const authorization = authorizationIn(headers);
      return authorization ? { authorization } : {};
    },
  });
})();`;

type GraphiqlFiles = typeof import('@graphql-yoga/render-graphiql/graphiql');

/** GraphiQL itself, with Monaco's workers made from blobs, as @graphql-yoga/render-graphiql does. */
const graphiqlLibrary = ({ editorWorkerService, jsonWorker, graphqlWorker, js }: GraphiqlFiles) => `(() => {
  const workerUrl = (source) => URL.createObjectURL(new Blob([source], { type: 'application/javascript' }));
  const workers = {
    editorWorkerService: workerUrl(${scriptSafeJson(editorWorkerService)}),
    json: workerUrl(${scriptSafeJson(jsonWorker)}),
    graphql: workerUrl(${scriptSafeJson(graphqlWorker)}),
  };
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
})();
${js}`;

let built: Promise<GraphiqlPage> | undefined;

/**
 * The self-contained page, built once (the scripts are some 9 MB): everything inline, so it needs
 * no CDN and no other route. Its two scripts are allowed by their SHA-256, not 'unsafe-inline'.
 * GraphiQL's files (about 46 MB in memory) are loaded on the first request for the page, not at
 * start-up: an api nobody opens the IDE on never holds them.
 */
export function graphiqlPage(): Promise<GraphiqlPage> {
  built ??= import('@graphql-yoga/render-graphiql/graphiql').then(buildPage);
  return built;
}

function buildPage(files: GraphiqlFiles): GraphiqlPage {
  const { css, favicon } = files;
  const library = graphiqlLibrary(files);
  return {
    html: `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Stevedore GraphiQL</title>
    <link rel="icon" href="${favicon}" />
    <style>${css}</style>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>${library}</script>
    <script>${GRAPHIQL_BOOTSTRAP}</script>
  </body>
</html>
`,
    contentSecurityPolicy: {
      'default-src': ["'self'"],
      'script-src': [sha256Source(library), sha256Source(GRAPHIQL_BOOTSTRAP)],
      'script-src-attr': ["'none'"],
      // Monaco and GraphiQL's components set styles at run time.
      'style-src': ["'self'", "'unsafe-inline'"],
      // The favicon is a data: URL.
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'", 'data:'],
      // Monaco's language workers, made from blobs; fetch and graphql-ws to the api itself
      // ('self' covers ws: and wss: to the same host and port).
      'worker-src': ['blob:'],
      'connect-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'self'"],
    },
  };
}

/** JSON that cannot end the <script> element it sits in. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}

function sha256Source(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}
