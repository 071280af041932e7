//! The words on screen: Bahasa Indonesia first, English second. One struct per language,
//! so a missing translation is a compile error, not a blank button.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

/// A language the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    Id,
    /// English.
    En,
}

const LANG_KEY: &str = "loket.lang";

impl Lang {
    /// The language chosen on this device before, or Indonesian.
    pub fn saved() -> Self {
        match LocalStorage::get::<String>(LANG_KEY).as_deref() {
            Ok("en") => Lang::En,
            _ => Lang::Id,
        }
    }

    /// Remembers the choice on this device.
    pub fn save(self) {
        // Losing the preference is harmless, so a full storage is not worth an error.
        let _ = LocalStorage::set(LANG_KEY, self.code());
    }

    /// The BCP 47 code, for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// One of two words given side by side: newer pages name both languages at the call,
    /// which keeps a missing translation a compile error as the [`Texts`] struct does.
    pub fn tr(self, id: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    /// The words in this language.
    pub fn t(self) -> &'static Texts {
        match self {
            Lang::Id => &ID,
            Lang::En => &EN,
        }
    }
}

/// The current language, shared through context.
pub fn use_lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// Every string the UI shows.
#[derive(Debug)]
pub struct Texts {
    pub app_title: &'static str,
    pub switch_lang: &'static str,
    pub loading: &'static str,
    pub storage_failed: &'static str,
    pub not_persisted: &'static str,
    pub update_ready: &'static str,
    pub reload: &'static str,
    pub offline_ready: &'static str,
    // Enrolment
    pub enrol_title: &'static str,
    pub enrol_intro: &'static str,
    pub enrol_code: &'static str,
    pub enrol_code_hint: &'static str,
    pub enrol_name: &'static str,
    pub enrol_name_placeholder: &'static str,
    pub enrol_submit: &'static str,
    pub enrol_busy: &'static str,
    pub enrol_bad_code: &'static str,
    pub enrol_bad_name: &'static str,
    /// Too many enrolment attempts from this network: wait.
    pub enrol_too_many: &'static str,
    pub enrol_expired_code: &'static str,
    pub enrol_offline: &'static str,
    pub enrol_failed: &'static str,
    // Counter
    pub device_label: &'static str,
    pub issue_title: &'static str,
    pub case_label: &'static str,
    pub priority_label: &'static str,
    pub priority_hint: &'static str,
    pub issue_button: &'static str,
    pub last_ticket: &'static str,
    pub check_code: &'static str,
    pub serve_title: &'static str,
    pub counter_label: &'static str,
    pub call_next: &'static str,
    pub now_serving: &'static str,
    pub waiting_title: &'static str,
    pub waiting_empty: &'static str,
    pub priority_badge: &'static str,
    pub save_failed: &'static str,
    pub serials_exhausted: &'static str,
    pub queue_empty: &'static str,
    pub conflicts_title: &'static str,
    pub conflict_already_called: &'static str,
    pub conflict_unknown: &'static str,
    pub conflict_duplicate: &'static str,
    pub step_refused: &'static str,
    // Sync badge
    pub online: &'static str,
    pub offline: &'static str,
    pub pending_ops: &'static str,
    pub last_sync: &'static str,
    pub never_synced: &'static str,
    pub sync_now: &'static str,
    pub syncing: &'static str,
    pub sync_failed_network: &'static str,
    pub sync_failed_auth: &'static str,
    pub sync_failed_revoked: &'static str,
    pub revoked_explained: &'static str,
    pub sync_failed_server: &'static str,
    pub sync_failed_storage: &'static str,
    pub not_enrolled: &'static str,
    pub office_full: &'static str,
    pub enrol_saved_failed: &'static str,
    pub sync_failed_diverged: &'static str,
    pub insecure: &'static str,
    pub elsewhere: &'static str,
    pub clock_wrong: &'static str,
    pub clock_refused: &'static str,
    pub clock_drift: &'static str,
}

/// Bahasa Indonesia.
pub static ID: Texts = Texts {
    app_title: "Loket KTP-el",
    switch_lang: "English",
    loading: "Memuat data perangkat…",
    storage_failed: "Penyimpanan perangkat tidak dapat dibuka. Data belum tersimpan; jangan tutup halaman ini dan hubungi admin.",
    not_persisted: "Browser belum mengizinkan penyimpanan permanen: data offline bisa terhapus bila memori penuh. Sinkronkan sesering mungkin.",
    update_ready: "Versi baru Loket tersedia.",
    reload: "Muat ulang",
    offline_ready: "Siap dipakai tanpa internet",
    enrol_title: "Daftarkan perangkat",
    enrol_intro: "Perangkat ini belum terdaftar di kantor. Masukkan kode admin yang dicetak server saat pertama dijalankan.",
    enrol_code: "Kode admin",
    enrol_code_hint: "Contoh: ABCD-EFGH-JKMN-PQRS",
    enrol_name: "Nama perangkat",
    enrol_name_placeholder: "Mis. Tablet loket 1",
    enrol_submit: "Daftarkan",
    enrol_busy: "Mendaftarkan…",
    enrol_bad_code: "Kode admin salah atau sudah dipakai. Periksa hurufnya, atau minta kode baru kepada admin (satu kode untuk satu perangkat).",
    enrol_bad_name: "Isi nama perangkat (1–60 huruf).",
    enrol_too_many: "Terlalu banyak percobaan dari jaringan ini. Tunggu 15 menit, lalu coba lagi dengan kode yang benar.",
    enrol_expired_code: "Kode admin ini sudah kedaluwarsa. Minta kode baru kepada admin (Admin → Perangkat baru).",
    enrol_offline: "Server tidak dapat dihubungi. Pendaftaran perlu koneksi ke server kantor; coba lagi.",
    enrol_failed: "Pendaftaran gagal di server. Coba lagi sebentar lagi.",
    device_label: "Perangkat",
    issue_title: "Ambil nomor antrean",
    case_label: "Jenis layanan",
    priority_label: "Antrean prioritas",
    priority_hint: "Lansia, penyandang disabilitas, ibu hamil",
    issue_button: "Ambil nomor",
    last_ticket: "Nomor terakhir",
    check_code: "Kode cek",
    serve_title: "Pelayanan",
    counter_label: "Loket",
    call_next: "Panggil berikutnya",
    now_serving: "Sedang dilayani",
    waiting_title: "Menunggu",
    waiting_empty: "Tidak ada antrean.",
    priority_badge: "Prioritas",
    save_failed: "Gagal menyimpan di perangkat. Tindakan dibatalkan; coba lagi.",
    serials_exhausted: "Nomor antrean perangkat ini untuk hari ini sudah habis.",
    queue_empty: "Tidak ada antrean yang menunggu.",
    conflicts_title: "Perlu perhatian",
    conflict_already_called: "sudah dipanggil lebih dulu ke loket",
    conflict_unknown: "tidak ditemukan",
    conflict_duplicate: "nomor ganda",
    step_refused: "Langkah ini tidak dapat dilakukan sekarang.",
    online: "Terhubung",
    offline: "Offline",
    pending_ops: "belum terkirim",
    last_sync: "Sinkron terakhir",
    never_synced: "belum pernah",
    sync_now: "Sinkronkan sekarang",
    syncing: "Menyinkronkan…",
    sync_failed_network: "Sinkronisasi gagal: server tidak dapat dihubungi. Data aman di perangkat dan akan dikirim otomatis.",
    sync_failed_auth: "Sinkronisasi ditolak: perangkat ini tidak dikenal server. Hubungi admin.",
    sync_failed_revoked: "Sinkronisasi ditolak: perangkat ini dicabut oleh admin.",
    revoked_explained: "Perangkat ini dicabut oleh admin. Pekerjaan yang belum terkirim tetap tersimpan di sini: minta kode admin baru, lalu daftarkan lagi di bawah.",
    sync_failed_server: "Sinkronisasi gagal di server. Data aman di perangkat; dicoba lagi otomatis.",
    sync_failed_storage: "Data dari server tidak dapat disimpan di perangkat. Dicoba lagi otomatis.",
    not_enrolled: "Perangkat ini belum terdaftar. Daftarkan dulu di halaman Daftarkan perangkat.",
    office_full: "Kantor ini sudah mencapai batas jumlah perangkat. Hubungi admin.",
    enrol_saved_failed: "Perangkat terdaftar di server, tetapi tidak dapat disimpan di browser ini. Periksa ruang penyimpanan, lalu daftarkan lagi.",
    sync_failed_diverged: "Server tidak mengenali riwayat perangkat ini (database server diganti atau dipulihkan). Data tetap aman di perangkat; hubungi admin.",
    clock_wrong: "Tanggal atau jam perangkat ini salah. Atur dulu tanggal dan jam di pengaturan perangkat; nomor antrean tidak dapat diambil sampai jamnya benar.",
    clock_refused: "Nomor belum diambil: atur dulu tanggal dan jam perangkat (lihat pesan di atas).",
    clock_drift: "menit selisih jam perangkat dengan server. Atur tanggal dan jam perangkat agar urutan antrean dan waktu layanan tepat.",
    elsewhere: "Loket sudah terbuka di tab atau jendela lain di perangkat ini. Tutup tab ini dan lanjutkan di sana, agar nomor antrean tidak ganda.",
    insecure: "Halaman ini dibuka tanpa HTTPS, jadi mode offline dan penyimpanan permanen tidak aktif. Buka Loket lewat alamat https:// kantor.",
};

/// English.
pub static EN: Texts = Texts {
    app_title: "KTP-el Counter",
    switch_lang: "Bahasa Indonesia",
    loading: "Loading this device's data…",
    storage_failed: "This device's storage cannot be opened. Nothing is saved; keep this page open and call the admin.",
    not_persisted: "The browser has not granted persistent storage: offline data may be evicted when space runs low. Sync often.",
    update_ready: "A new version of Loket is available.",
    reload: "Reload",
    offline_ready: "Ready to work offline",
    enrol_title: "Enrol this device",
    enrol_intro: "This device is not enrolled at the office yet. Enter the admin code the server printed on its first run.",
    enrol_code: "Admin code",
    enrol_code_hint: "For example: ABCD-EFGH-JKMN-PQRS",
    enrol_name: "Device name",
    enrol_name_placeholder: "E.g. Counter 1 tablet",
    enrol_submit: "Enrol",
    enrol_busy: "Enrolling…",
    enrol_bad_code: "Wrong or used admin code. Check its letters, or ask the admin for a new one (one code enrols one device).",
    enrol_bad_name: "Enter a device name (1–60 characters).",
    enrol_too_many: "Too many attempts from this network. Wait 15 minutes, then try again with the right code.",
    enrol_expired_code: "This admin code has expired. Ask the admin for a new one (Admin → New device).",
    enrol_offline: "The server cannot be reached. Enrolment needs the office server; try again.",
    enrol_failed: "Enrolment failed on the server. Try again shortly.",
    device_label: "Device",
    issue_title: "Issue a queue number",
    case_label: "Service",
    priority_label: "Priority lane",
    priority_hint: "Elderly, disabled, pregnant",
    issue_button: "Issue number",
    last_ticket: "Last number",
    check_code: "Check code",
    serve_title: "Service",
    counter_label: "Counter",
    call_next: "Call next",
    now_serving: "Now serving",
    waiting_title: "Waiting",
    waiting_empty: "Nobody is waiting.",
    priority_badge: "Priority",
    save_failed: "Could not save on this device. The action was undone; try again.",
    serials_exhausted: "This device has used all its queue numbers for today.",
    queue_empty: "Nobody is waiting.",
    conflicts_title: "Needs attention",
    conflict_already_called: "was already called to counter",
    conflict_unknown: "not found",
    conflict_duplicate: "duplicate number",
    step_refused: "This step cannot be taken now.",
    online: "Online",
    offline: "Offline",
    pending_ops: "not yet sent",
    last_sync: "Last sync",
    never_synced: "never",
    sync_now: "Sync now",
    syncing: "Syncing…",
    sync_failed_network: "Sync failed: the server cannot be reached. Data is safe on this device and will be sent automatically.",
    sync_failed_auth: "Sync refused: the server does not know this device. Call the admin.",
    sync_failed_revoked: "Sync refused: the admin revoked this device.",
    revoked_explained: "The admin revoked this device. Work not yet sent stays here: ask the admin for a new code, then enrol again below.",
    sync_failed_server: "Sync failed on the server. Data is safe on this device; retrying automatically.",
    sync_failed_storage: "Data from the server could not be saved on this device. Retrying automatically.",
    not_enrolled: "This device is not enrolled yet. Enrol it first on the Enrol page.",
    office_full: "This office has reached its limit of devices. Call the admin.",
    enrol_saved_failed: "The server enrolled this device, but this browser could not save it. Check its storage space, then enrol again.",
    sync_failed_diverged: "The server does not know this device's history (its database was replaced or restored). Data is safe on this device; call the admin.",
    clock_wrong: "This device's date or time is wrong. Set them in the device's settings first; no queue number can be issued until the clock is right.",
    clock_refused: "No number issued: set the device's date and time first (see the message above).",
    clock_drift: "minutes between this device's clock and the server's. Set the device's date and time so the queue order and service times are right.",
    elsewhere: "Loket is already open in another tab or window on this device. Close this tab and carry on there, so queue numbers are never doubled.",
    insecure: "This page was opened without HTTPS, so offline mode and persistent storage are off. Open Loket at the office's https:// address.",
};
