/**
 * An accessible tab bar (WAI-ARIA tabs pattern): one tab stop for the bar, arrow keys, Home and
 * End move between tabs and activate them; Tab moves on into the panel.
 */
import { h } from './dom.js';

export interface TabSpec<Id extends string> {
  id: Id;
  label: string;
  panel: HTMLElement;
  /** Extra content after the label (a count badge). */
  extra?: HTMLElement;
}

export interface Tabs<Id extends string> {
  bar: HTMLElement;
  panels: HTMLElement;
  select(id: Id, focus?: boolean): void;
  current(): Id;
  onChange(listener: (id: Id) => void): void;
}

export function createTabs<Id extends string>(specs: ReadonlyArray<TabSpec<Id>>, label: string): Tabs<Id> {
  const listeners: Array<(id: Id) => void> = [];
  const buttons = specs.map((spec) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${spec.id}`,
        'aria-controls': `panel-${spec.id}`,
        'data-testid': `tab-${spec.id}`,
      },
      h('span', undefined, spec.label),
      spec.extra,
    ),
  );
  const panelEls = specs.map((spec) =>
    h(
      'div',
      { role: 'tabpanel', id: `panel-${spec.id}`, 'aria-labelledby': `tab-${spec.id}`, 'data-testid': `panel-${spec.id}`, hidden: true },
      spec.panel,
    ),
  );
  const bar = h('div', { role: 'tablist', class: 'tabs', 'aria-label': label }, ...buttons);
  const panels = h('main', { class: 'panels' }, ...panelEls);
  let active = specs[0]!.id;
  let initialised = false;

  const select = (id: Id, focus = false) => {
    const changed = id !== active;
    active = id;
    specs.forEach((spec, i) => {
      const on = spec.id === id;
      buttons[i]!.setAttribute('aria-selected', String(on));
      buttons[i]!.tabIndex = on ? 0 : -1;
      panelEls[i]!.hidden = !on;
    });
    if (focus) buttons[specs.findIndex((s) => s.id === id)]!.focus();
    if (changed || !initialised) for (const l of listeners) l(id);
    initialised = true;
  };

  buttons.forEach((button, i) => {
    button.addEventListener('click', () => select(specs[i]!.id));
    button.addEventListener('keydown', (event) => {
      const n = specs.length;
      const to =
        event.key === 'ArrowRight'
          ? (i + 1) % n
          : event.key === 'ArrowLeft'
            ? (i - 1 + n) % n
            : event.key === 'Home'
              ? 0
              : event.key === 'End'
                ? n - 1
                : -1;
      if (to < 0) return;
      event.preventDefault();
      select(specs[to]!.id, true);
    });
  });

  return {
    bar,
    panels,
    select,
    current: () => active,
    onChange: (listener) => listeners.push(listener),
  };
}
