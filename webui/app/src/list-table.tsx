// The list pages' shared part (domains, users, aliases): a loaded list shown
// as a table that turns into labelled blocks on a phone (each cell carries its
// column title), a plain sentence when the list is empty, and the "Change /
// Close" toggle that opens one row's editor below the list.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { type Loaded, Loading } from './ui.tsx';

export interface Column<T> {
  /** The header, and the label a cell gets on a narrow screen. */
  readonly title: string;
  readonly cell: (row: T) => ComponentChildren;
}

interface ListTableProps<T> {
  readonly loaded: Loaded<readonly T[]>;
  /** Shown instead of the table when the list is empty. */
  readonly empty: ComponentChildren;
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  /** The buttons of a row, in a last column without a visible header. */
  readonly actions?: (row: T) => ComponentChildren;
  readonly testId?: string;
}

export function ListTable<T>({ loaded, empty, columns, rowKey, actions, testId }: ListTableProps<T>) {
  return (
    <Loading loaded={loaded}>
      {(list) =>
        list.length === 0 ? (
          <p class="muted">{empty}</p>
        ) : (
          <table class="responsive" data-testid={testId}>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.title}>{c.title}</th>
                ))}
                {actions ? (
                  <th>
                    <span class="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {list.map((row) => (
                <tr key={rowKey(row)}>
                  {columns.map((c) => (
                    <td key={c.title} data-label={c.title}>
                      {c.cell(row)}
                    </td>
                  ))}
                  {actions ? <td class="actions">{actions(row)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Loading>
  );
}

export interface RowEditor<T> {
  /** The row being changed (still in the list), or undefined. */
  readonly current: T | undefined;
  /** The Change/Close button of a row. */
  toggle(row: T): ComponentChildren;
  close(): void;
}

/** Which row's editor is open; it closes by itself when the row leaves the list. */
export function useRowEditor<T>(loaded: Loaded<readonly T[]>, keyOf: (row: T) => string): RowEditor<T> {
  const [editing, setEditing] = useState<string | undefined>();
  return {
    current: editing === undefined ? undefined : loaded.data?.find((row) => keyOf(row) === editing),
    toggle(row) {
      const key = keyOf(row);
      const open = editing === key;
      return (
        <button type="button" class="small secondary" aria-expanded={open} onClick={() => setEditing(open ? undefined : key)}>
          {open ? 'Close' : 'Change'}
        </button>
      );
    },
    close: () => setEditing(undefined),
  };
}
