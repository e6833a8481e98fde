import { useId, useRef, useState, type DragEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { Card } from "../../components/ui.js";
import { useConfig } from "../../lib/configContext.js";
import { usePreferences } from "../../lib/preferences.js";
import { filesFromDrop } from "./collectFiles.js";
import { useUploadQueue } from "./UploadProvider.js";
import { isFinal, isTransferring, type UploadItem } from "./uploadQueue.js";

const MIB = 1024 * 1024;

/** Drop zone + file/folder pickers + one live row per file. */
export function UploadPanel() {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const config = useConfig();
  const { queue, items } = useUploadQueue();
  const [over, setOver] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const totals = queue.totals();
  const sending = items.some((i) => isTransferring(i) || i.phase === "waiting");

  async function onDrop(event: DragEvent) {
    event.preventDefault();
    setOver(false);
    queue.add(await filesFromDrop(event.dataTransfer));
  }

  return (
    <Card
      title={t("upload.title")}
      id="upload"
      className="upload"
      actions={
        items.some(isFinal) && (
          <button type="button" className="button small" onClick={() => queue.clearFinished()}>
            {t("upload.clear")}
          </button>
        )
      }
    >
      <div
        className={`dropzone${over ? " over" : ""}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => void onDrop(e)}
        aria-describedby={hintId}
      >
        <p id={hintId}>{t("upload.hint", { limit: fmt.number(config.maxUploadBytes / MIB) })}</p>
        <div className="row">
          <button type="button" className="button primary" onClick={() => fileInput.current?.click()}>
            {t("upload.chooseFiles")}
          </button>
          <button type="button" className="button" onClick={() => folderInput.current?.click()}>
            {t("upload.chooseFolder")}
          </button>
        </div>
        <input
          ref={fileInput}
          type="file"
          multiple
          accept=".fit,.FIT"
          hidden
          aria-label={t("upload.chooseFiles")}
          onChange={(e) => {
            queue.add(Array.from(e.target.files ?? []));
            e.target.value = "";
          }}
        />
        <input
          ref={folderInput}
          type="file"
          hidden
          aria-label={t("upload.chooseFolder")}
          {...{ webkitdirectory: "" }}
          onChange={(e) => {
            queue.add(Array.from(e.target.files ?? []).filter((f) => /\.fit$/i.test(f.name)));
            e.target.value = "";
          }}
        />
      </div>
      {items.length > 0 && (
        <>
          {sending && (
            <div className="overall">
              <label htmlFor="overall-progress">{t("upload.overall")}</label>
              <progress id="overall-progress" max={totals.total || 1} value={totals.loaded} />
            </div>
          )}
          <ul className="upload-list" aria-live="polite">
            {items.map((item) => (
              <UploadRow key={item.key} item={item} onRetry={() => queue.retry(item.key)} />
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

function UploadRow({ item, onRetry }: { item: UploadItem; onRetry: () => void }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const config = useConfig();
  const percent = item.size ? Math.round((100 * item.loaded) / item.size) : 0;
  return (
    <li className={`upload-row phase-${item.phase}`} data-testid="upload-row" data-phase={item.phase} data-file={item.fileName} data-loaded={item.loaded} data-activity-id={item.activityId}>
      <span className="file-name">{item.fileName}</span>
      <span className="phase">
        {item.phase === "rejected" && item.rejection
          ? t(`upload.rejected.${item.rejection}`, { limit: fmt.number(config.maxUploadBytes / MIB) })
          : t(`upload.phase.${item.phase}`)}
        {item.phase === "analyzed" && item.adviceFailed ? ` · ${t("upload.noAdvice")}` : ""}
      </span>
      {item.phase === "uploading" && (
        <progress max={100} value={percent} aria-label={t("upload.progressOf", { name: item.fileName })} data-testid="file-progress">
          {percent}%
        </progress>
      )}
      {item.reason && <span className="reason" data-testid="reason">{item.reason}</span>}
      {item.activityId && item.phase !== "rejected" && item.phase !== "error" && (
        <Link to={`/activities/${item.activityId}`} className="link">
          {item.phase === "duplicate" ? t("upload.openExisting") : t("upload.open")}
        </Link>
      )}
      {item.phase === "error" && (
        <button type="button" className="button small" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </li>
  );
}
