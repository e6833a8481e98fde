export type LatLon = [number, number];

/** The track's points (missing fixes dropped); empty when the file has no GPS (indoor, pool). */
export function trackPoints(lat: number[], lon: number[]): LatLon[] {
  const points: LatLon[] = [];
  for (let i = 0; i < Math.min(lat.length, lon.length); i++) {
    const a = lat[i];
    const b = lon[i];
    if (Number.isFinite(a) && Number.isFinite(b) && !(a === 0 && b === 0)) points.push([a, b]);
  }
  return points;
}
