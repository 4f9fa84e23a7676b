import { useEffect, useId, useRef, useState } from "react";
import { useAuth, type Account } from "../auth/auth";
import { initials } from "../hooks/useGraphPhoto";
import { Avatar } from "./Avatar";

/** The avatar button and its menu (who is signed in, switch account, sign out). Keyboard: Enter/Space, Escape, arrows, Home/End; it closes when focus leaves it. */
export function UserMenu({ account }: { account: Account }) {
  const { photoUrl: photo, signOut, switchAccount, identityNote } = useAuth();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    // The first item, whichever items this sign-in offers (Switch account is MSAL's only).
    moveFocus(wrap.current, "Home");
    const onDown = (e: PointerEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      } else if (["ArrowDown", "ArrowUp", "Home", "End"].includes(e.key)) {
        e.preventDefault();
        moveFocus(wrap.current, e.key);
      }
    };
    document.addEventListener("pointerdown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const name = account.name || account.username;
  return (
    <div
      className="user-menu"
      ref={wrap}
      onBlur={(e) => {
        // Focus moved out of the button and the menu (Tab, a click elsewhere): close it.
        if (open && !wrap.current?.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className="user-menu__button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        // Without a photo the button shows the initials, which the name must then contain (WCAG 2.5.3, label in
        // name: a voice user says what they see). axe found it whenever a photo was slow or missing.
        aria-label={photo ? `Account menu for ${name}` : `Account menu for ${name}, initials ${initials(name)}`}
        onClick={() => setOpen((o) => !o)}
      >
        <Avatar name={name} photoUrl={photo} />
      </button>
      {open && (
        <div className="user-menu__panel" id={menuId} role="menu" aria-label="Account">
          <div className="user-menu__who" role="none">
            <Avatar name={name} photoUrl={photo} size={44} />
            <div>
              <div className="user-menu__name">{account.name}</div>
              <div className="user-menu__email">{account.username}</div>
              {identityNote && <div className="user-menu__note">{identityNote}</div>}
            </div>
          </div>
          {switchAccount && (
            <button
              type="button"
              role="menuitem"
              className="user-menu__item"
              onClick={() => {
                setOpen(false);
                // Straight from the click: the account picker opens in a popup.
                switchAccount();
              }}
            >
              Switch account
            </button>
          )}
          <button
            type="button"
            role="menuitem"
            className="user-menu__item"
            onClick={() => {
              setOpen(false);
              void signOut();
            }}
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}

/** Arrow keys move through the menu's items, wrapping around; Home and End go to the ends. */
function moveFocus(menu: HTMLElement | null, key: string) {
  const items = Array.from(menu?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
  if (items.length === 0) return;
  const at = items.indexOf(document.activeElement as HTMLElement);
  const to = key === "Home" ? 0 : key === "End" ? items.length - 1 : (at + (key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
  items[to]?.focus();
}
