import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { takeFocusRequest } from '../router.ts';

/** A page's h1; after a client-side navigation it takes focus once it is on screen. */
export function PageHeading(props: { id?: string; children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (takeFocusRequest()) ref.current?.focus();
  }, []);
  return (
    <h1 id={props.id} ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}
