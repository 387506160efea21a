//! Dovecot's configuration for a throw-away server, and the certificates it presents.

use std::path::Path;

/// Who the server's processes and the mail files run as.
///
/// Dovecot refuses to log in a mail user with uid 0 and refuses to run its login processes as
/// root, so when the tests run as root (CI does) the mail belongs to `nobody` and the login
/// processes run as Debian's `dovenull`. As any other user, everything runs as that user.
pub(crate) struct Users {
    /// Whether this process is root.
    pub root: bool,
    /// uid and gid that own the mail files and run the `imap` processes.
    pub mail_uid: u32,
    pub mail_gid: u32,
    /// `default_login_user` (the unprivileged TLS/login processes).
    pub login_user: String,
    /// `default_internal_user` (auth, anvil, stats…).
    pub internal_user: String,
    /// `default_internal_group`: the group of the sockets Dovecot's services share.
    pub internal_group: String,
}

impl Users {
    /// Finds the users from the owner of `probe` (a file this process just created) and
    /// `/etc/passwd`.
    pub(crate) fn find(probe: &Path) -> Result<Users, String> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(probe).map_err(|e| format!("{}: {e}", probe.display()))?;
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let entry = |name: &str| {
            passwd.lines().find_map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                (fields.len() > 3 && fields[0] == name).then(|| {
                    (
                        fields[2].parse::<u32>().unwrap_or(65534),
                        fields[3].parse::<u32>().unwrap_or(65534),
                    )
                })
            })
        };
        if meta.uid() == 0 {
            let (mail_uid, mail_gid) = entry("nobody").unwrap_or((65534, 65534));
            let login_user = if entry("dovenull").is_some() {
                "dovenull"
            } else {
                "nobody"
            };
            let internal_user = if entry("dovecot").is_some() {
                "dovecot"
            } else {
                "nobody"
            };
            Ok(Users {
                root: true,
                mail_uid,
                mail_gid,
                login_user: login_user.into(),
                internal_user: internal_user.into(),
                internal_group: internal_user.into(),
            })
        } else {
            let name = passwd
                .lines()
                .find_map(|line| {
                    let fields: Vec<&str> = line.split(':').collect();
                    (fields.len() > 2 && fields[2] == meta.uid().to_string())
                        .then(|| fields[0].to_string())
                })
                .or_else(|| std::env::var("USER").ok())
                .ok_or("cannot tell this user's name (no /etc/passwd entry, no $USER)")?;
            // Dovecot cannot chown its sockets to another group when it is not root.
            let group = std::fs::read_to_string("/etc/group")
                .unwrap_or_default()
                .lines()
                .find_map(|line| {
                    let fields: Vec<&str> = line.split(':').collect();
                    (fields.len() > 2 && fields[2] == meta.gid().to_string())
                        .then(|| fields[0].to_string())
                })
                .unwrap_or_else(|| name.clone());
            Ok(Users {
                root: false,
                mail_uid: meta.uid(),
                mail_gid: meta.gid(),
                login_user: name.clone(),
                internal_user: name,
                internal_group: group,
            })
        }
    }
}

/// `dovecot.conf` for Dovecot 2.3 (Debian 12): IMAP over TLS only, on 127.0.0.1:`port`,
/// `passwd-file` users with plain-text passwords, Maildir++ under `dir/home/<user>/Maildir`,
/// logs to `dir/dovecot.log`, nothing outside `dir`.
pub(crate) fn dovecot_conf(dir: &Path, port: u16, users: &Users) -> String {
    let d = dir.display();
    // As root, Dovecot chroots its login processes (the default); as anyone else it cannot.
    let login_chroot = if users.root { "" } else { "  chroot =\n" };
    format!(
        r#"# A throw-away Dovecot for the mailbox crate's tests (written by mailbox::testing).
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{d}/server.crt
ssl_key = <{d}/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {internal_group}
first_valid_uid = 1
first_valid_gid = 0
mail_location = maildir:~/Maildir
# No disk or network state shared with a system Dovecot.
ssl_client_ca_dir =
mail_plugins =
verbose_proctitle = no
service imap-login {{
{login_chroot}  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
{login_chroot}}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%u
}}
"#,
        login = users.login_user,
        internal = users.internal_user,
        internal_group = users.internal_group,
        uid = users.mail_uid,
        gid = users.mail_gid,
    )
}

/// A certificate authority and a server certificate it signed, for `localhost` and
/// `127.0.0.1`, all PEM.
#[derive(Debug, Clone)]
pub struct TestCertificates {
    /// The CA's certificate: what a client adds to its trusted roots.
    pub ca_pem: String,
    /// The server's certificate, signed by the CA.
    pub server_pem: String,
    /// The server certificate's private key (PKCS#8).
    pub server_key_pem: String,
}

/// Makes a new CA (named `name`) and a server certificate signed by it.
pub fn certificates(name: &str) -> Result<TestCertificates, rcgen::Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("{name} test CA"));
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let mut params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &ca)?;
    Ok(TestCertificates {
        ca_pem: ca.pem(),
        server_pem: cert.pem(),
        server_key_pem: key.serialize_pem(),
    })
}
