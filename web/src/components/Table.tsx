// Every table of the app: columns described once (label, numeric or not, how a row fills its cell), one
// card per row at phone width (each cell labelled), attributes on rows for the browser tests.
import { Fragment, type ReactNode } from "react";

export interface Column<R> {
  key: string;
  label: ReactNode;
  /** The label each cell carries at phone width (defaults to `label` when that is text). */
  cellLabel?: string;
  numeric?: boolean;
  /** The row's own name (a stage, a status): a row header. */
  rowHeader?: boolean;
  className?: string;
  cell: (row: R) => ReactNode;
}

export function Table<R>({
  testid,
  caption,
  columns,
  rows,
  rowKey,
  rowAttributes,
  after,
}: {
  testid: string;
  caption?: string;
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R) => string;
  /** data-* attributes of a row. */
  rowAttributes?: (row: R) => Record<`data-${string}`, string | number | boolean | undefined>;
  /** A row shown under a row (its details), spanning the table. */
  after?: (row: R) => ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className="responsive" data-testid={testid}>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.numeric ? "num" : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const details = after?.(row);
            return (
              <Fragment key={rowKey(row)}>
                <tr {...rowAttributes?.(row)}>
                  {columns.map((c) => {
                    const Cell = c.rowHeader ? "th" : "td";
                    return (
                      <Cell
                        key={c.key}
                        scope={c.rowHeader ? "row" : undefined}
                        data-label={c.cellLabel ?? (typeof c.label === "string" ? c.label : undefined)}
                        className={[c.numeric && "num", c.className].filter(Boolean).join(" ") || undefined}
                      >
                        {c.cell(row)}
                      </Cell>
                    );
                  })}
                </tr>
                {details && (
                  <tr>
                    <td colSpan={columns.length}>{details}</td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
