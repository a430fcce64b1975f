/** Small stroke icons as inline SVG (no icon font, no emoji that a system may not have). Always aria-hidden. */
interface IconProps {
  name: 'edit' | 'archive' | 'restore' | 'menu' | 'close' | 'stop' | 'send' | 'download' | 'check' | 'cross' | 'dot' | 'skip';
}

const PATHS: Record<IconProps['name'], string> = {
  edit: 'M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4',
  archive: 'M3 5h18v4H3zM5 9v10h14V9M10 13h4',
  restore: 'M4 12a8 8 0 1 0 2.3-5.6M4 4v4h4',
  menu: 'M4 6h16M4 12h16M4 18h16',
  close: 'M6 6l12 12M18 6L6 18',
  stop: 'M7 7h10v10H7z',
  send: 'M4 12l16-8-6 16-2-6-8-2z',
  download: 'M12 4v11M7 10l5 5 5-5M5 20h14',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  cross: 'M7 7l10 10M17 7L7 17',
  dot: 'M12 12h.01',
  skip: 'M6 12h12M13 7l5 5-5 5',
};

export function Icon({ name }: IconProps) {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
