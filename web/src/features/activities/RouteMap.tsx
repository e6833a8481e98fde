// The GPS track (Leaflet). Without a configured tile server (MAP_TILE_URL) the track is drawn on a plain
// background, so the page works with no internet; with one, on its tiles.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { useConfig } from "../../lib/configContext.js";

import type { LatLon } from "./track.js";

export default function RouteMap({ points }: { points: LatLon[] }) {
  const { t } = useTranslation();
  const { map: mapConfig } = useConfig();
  const holder = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!holder.current || points.length < 2) return;
    const map = L.map(holder.current, {
      attributionControl: Boolean(mapConfig.tileUrl),
      scrollWheelZoom: false, // the page scrolls; zoom with the buttons, keyboard or a pinch
      keyboard: true,
    });
    if (mapConfig.tileUrl) {
      L.tileLayer(mapConfig.tileUrl, { attribution: mapConfig.attribution, maxZoom: 19 }).addTo(map);
    }
    const line = L.polyline(points, { color: "#d9480f", weight: 3 }).addTo(map);
    L.circleMarker(points[0], { radius: 6, color: "#2e7d32", fillOpacity: 1 }).bindTooltip(t("map.start")).addTo(map);
    L.circleMarker(points[points.length - 1], { radius: 6, color: "#c0392b", fillOpacity: 1 }).bindTooltip(t("map.finish")).addTo(map);
    map.fitBounds(line.getBounds(), { padding: [16, 16] });
    return () => {
      map.remove();
    };
  }, [points, mapConfig, t]);

  return (
    <div
      ref={holder}
      className={`route-map${mapConfig.tileUrl ? "" : " plain"}`}
      data-testid="route-map"
      role="img"
      aria-label={t("map.label")}
    />
  );
}
