//! The public pages' wasm entry point (`public.html`): the ticket status an applicant opens
//! from the QR code on a cheap phone, without the office's app around it.

fn main() {
    loket::mount_public();
}
