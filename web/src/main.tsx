import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.js";
import i18n from "./i18n/index.js";
import { loadConfig } from "./lib/config.js";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

async function start(): Promise<void> {
  document.documentElement.lang = i18n.language;
  try {
    const config = await loadConfig();
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    );
  } catch {
    // Without /config.json the gateway (or the web server behind it) is down: say so, and try again.
    root.render(
      <main className="boot-error" role="alert">
        <h1>FitCoach</h1>
        <p>{i18n.t("errors.offline.title")} {i18n.t("errors.offline.body")}</p>
        <button type="button" className="button" onClick={() => window.location.reload()}>
          {i18n.t("common.retry")}
        </button>
      </main>,
    );
  }
}

void start();
