import { useEffect, useRef, useState } from 'react';
import { flushLocation } from '../../router.js';

/** Puts `text` on the clipboard: the async Clipboard API where the page may use it, else a selected text area and the copy command. */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Denied: fall through to the copy command.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/**
 * "Copy link": copies the page's URL, which holds the whole view (zoom, y ranges, panel and page options, hidden series).
 * When the browser refuses, the link is shown selected so it can be copied by hand.
 */
export function CopyLinkButton() {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const [link, setLink] = useState('');
  const timer = useRef(0);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    flushLocation(); // a slider still settling: copy the view as shown
    const href = window.location.href;
    setLink(href);
    const ok = await copyText(href);
    setState(ok ? 'copied' : 'manual');
    window.clearTimeout(timer.current);
    if (ok) timer.current = window.setTimeout(() => setState('idle'), 2500);
  };
  return (
    <span className="copy-link">
      <button type="button" className="page-bar-button" onClick={() => void copy()} title="Copy a link that opens this view exactly">
        Copy link
      </button>
      <span aria-live="polite" className="copy-link-status">{state === 'copied' ? 'Link copied' : ''}</span>
      {state === 'manual' && (
        <input className="copy-link-manual" aria-label="Link to this view" readOnly value={link} ref={(el) => el?.select()} onBlur={() => setState('idle')} />
      )}
    </span>
  );
}
