import { createContext, useEffect, useState, type RefObject } from 'react';

/**
 * Whether an element is on screen or close to it, for work worth doing only there (a chart drawn on a canvas: a page of
 * 2,000 panels draws the dozen in view, not 2,000 canvases). An element becomes near when it comes within
 * `NEAR_MARGIN` of the viewport and stops being near only once it is further than `FAR_MARGIN` from it, so scrolling
 * back and forth around the edge does not make and drop the same chart again.
 *
 * One IntersectionObserver per margin serves every element of the tab (two, however many panels). `width` is the
 * element's width as the observer measured it (CSS pixels): a chart made from it needs no layout read of its own, which,
 * done by each of many charts made in one commit, would lay the whole page out once per chart.
 */
export interface Nearness {
  near: boolean;
  /** The element's width when it last came near (null before). */
  width: number | null;
}

/** Within one viewport height above or below: made before it scrolls into view. */
const NEAR_MARGIN = '100% 0px 100% 0px';
/** Further than three viewport heights: dropped. */
const FAR_MARGIN = '300% 0px 300% 0px';

type Listener = (entry: IntersectionObserverEntry) => void;

/** A shared observer: one IntersectionObserver, a listener per element. */
function sharedObserver(rootMargin: string) {
  const listeners = new Map<Element, Listener>();
  let observer: IntersectionObserver | null = null;
  return {
    observe(el: Element, listener: Listener) {
      observer ??= new IntersectionObserver((entries) => {
        for (const e of entries) listeners.get(e.target)?.(e);
      }, { rootMargin });
      listeners.set(el, listener);
      observer.observe(el);
    },
    unobserve(el: Element) {
      listeners.delete(el);
      observer?.unobserve(el);
    },
  };
}

const nearObserver = sharedObserver(NEAR_MARGIN);
const farObserver = sharedObserver(FAR_MARGIN);

/** `enabled` false: always near (the element does its work at once, as before). */
export function useNearViewport(ref: RefObject<Element | null>, enabled: boolean): Nearness {
  const [state, setState] = useState<Nearness>({ near: !enabled, width: null });
  useEffect(() => {
    const el = ref.current;
    if (!enabled || !el || typeof IntersectionObserver === 'undefined') {
      setState((s) => (s.near ? s : { near: true, width: null }));
      return;
    }
    nearObserver.observe(el, (e) => {
      if (e.isIntersecting) setState((s) => (s.near ? s : { near: true, width: e.boundingClientRect.width }));
    });
    farObserver.observe(el, (e) => {
      if (!e.isIntersecting) setState((s) => (s.near ? { near: false, width: null } : s));
    });
    return () => {
      nearObserver.unobserve(el);
      farObserver.unobserve(el);
    };
  }, [ref, enabled]);
  return state;
}

/**
 * Charts made inside are lazy (`useNearViewport`): made only near the screen. The execution page's grid of panels provides
 * it; a page of a few charts (a service, a comparison, the summary) leaves it off and draws every chart at once.
 */
export const LazyCharts = createContext(false);
