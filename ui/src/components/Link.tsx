import type { ComponentChildren } from 'preact';
import { onLinkClick } from '../router.ts';

export function Link(props: {
  href: string;
  class?: string;
  children: ComponentChildren;
  'aria-current'?: 'page' | undefined;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props['aria-current']}
      onClick={onLinkClick}
    >
      {props.children}
    </a>
  );
}
