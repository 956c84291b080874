//! The files a throwaway slapd starts from: its `slapd.conf` and the seed LDIF (base
//! entries, the password policy and N users with `{SSHA}` passwords), loaded offline.

use super::*;

impl Slapd {
    /// Renders `slapd.conf`.
    pub(super) fn config(&self) -> Result<String> {
        let install = &self.install;
        let dir = self.dir.path();
        let mut conf = String::from(
            "# Written by latchkey-testkit for one test run. Not a production configuration.\n",
        );
        for schema in SCHEMAS {
            let file = install.schema_dir.join(format!("{schema}.schema"));
            if !file.is_file() {
                return Err(TestkitError::Setup(format!(
                    "the LDAP schema {} is missing; it comes with `{INSTALL}`",
                    file.display()
                )));
            }
            conf += &format!("include {}\n", quoted(&file));
        }
        conf += &format!(
            "pidfile {}\nargsfile {}\nmodulepath {}\n",
            quoted(&dir.join("slapd.pid")),
            quoted(&dir.join("slapd.args")),
            quoted(&install.module_dir),
        );
        // Debian builds these as modules; a build with them compiled in has no file to load.
        // ppolicy is loaded even when not enforced: its module carries the pwdPolicy schema.
        for module in ["back_mdb", "ppolicy", "pw-sha2"] {
            if module_exists(&install.module_dir, module) {
                conf += &format!("moduleload {module}\n");
            }
        }
        conf += "password-hash {SSHA}\nsizelimit unlimited\n\n";

        conf += &format!(
            "database mdb\nsuffix \"{BASE_DN}\"\nrootdn \"{ADMIN_DN}\"\nrootpw {}\n\
             directory {}\nmaxsize 1073741824\n",
            ssha(ADMIN_PASSWORD)?,
            quoted(&dir.join("db")),
        );
        conf += "index objectClass eq\nindex uid,cn,sn,givenName,mail eq\n";
        if self.options.dbnosync {
            conf += "dbnosync\n";
        }
        conf += &format!(
            "access to attrs=userPassword\n\
             \x20 by dn.exact=\"{SERVICE_DN}\" manage\n\
             \x20 by self write\n\
             \x20 by anonymous auth\n\
             \x20 by * none\n\
             access to *\n\
             \x20 by dn.exact=\"{SERVICE_DN}\" manage\n\
             \x20 by * read\n"
        );
        if self.options.ppolicy {
            conf += &format!(
                "\noverlay ppolicy\nppolicy_default \"{POLICY_DN}\"\n\
                 ppolicy_hash_cleartext\nppolicy_use_lockout\n"
            );
        }
        Ok(conf)
    }

    /// Writes the whole tree as LDIF and loads it offline with `slapadd`.
    pub(super) fn seed(&self) -> Result<()> {
        let users = self.options.users;
        let mut ldif = String::with_capacity(300 * (users + 5));
        ldif += &format!(
            "dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\n\
             o: Example\n\n\
             dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n\
             cn: resetsvc\nuserPassword: {}\n\n\
             dn: ou=policies,{BASE_DN}\nobjectClass: organizationalUnit\nou: policies\n\n",
            ssha(SERVICE_PASSWORD)?,
        );
        let min_length = self.options.min_length;
        let check_quality = u8::from(min_length > 0);
        ldif += &format!(
            "dn: {POLICY_DN}\nobjectClass: pwdPolicy\nobjectClass: namedPolicy\ncn: default\n\
             pwdAttribute: userPassword\npwdInHistory: 5\npwdLockout: TRUE\npwdMaxFailure: 5\n\
             pwdLockoutDuration: 900\npwdMustChange: TRUE\npwdAllowUserChange: TRUE\n\
             pwdCheckQuality: {check_quality}\npwdMinLength: {min_length}\n\n"
        );
        ldif += &format!("dn: {PEOPLE_DN}\nobjectClass: organizationalUnit\nou: people\n\n");
        for i in 0..users {
            let uid = Self::user_uid(i);
            ldif += &format!(
                "dn: {}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: Test User {i:05}\n\
                 sn: User {i:05}\ngivenName: Test\nmail: {}\nuserPassword: {}\n\n",
                Self::user_dn(i),
                Self::user_mail(i),
                ssha(&Self::initial_password(i))?,
            );
        }
        let seed_file = self.dir.path().join("seed.ldif");
        write_file(&seed_file, &ldif)?;
        let mut cmd = Command::new(&self.install.slapadd);
        // -q: skip consistency checks we do not need for a tree we just generated.
        cmd.arg("-q")
            .arg("-f")
            .arg(&self.conf)
            .arg("-l")
            .arg(&seed_file);
        process::log_note(&self.log, &format!("running {}", process::describe(&cmd)));
        process::run(&mut cmd, None).map(drop)
    }
}

/// A slapd.conf argument in double quotes (paths may contain spaces).
fn quoted(path: &Path) -> String {
    format!("\"{}\"", path.display())
}

pub(super) fn write_file(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(TestkitError::io(format!("writing {}", path.display())))
}

/// `{SSHA}` of `password`: base64(SHA-1(password ‖ salt) ‖ salt) with an 8-byte random salt,
/// the scheme slapd verifies natively. Only for seeding test data: salted SHA-1 is far too
/// fast to protect real passwords.
fn ssha(password: &str) -> Result<String> {
    let mut salt = [0_u8; 8];
    getrandom::fill(&mut salt)
        .map_err(|err| TestkitError::Setup(format!("the OS random source failed: {err}")))?;
    let mut hasher = Sha1::new();
    hasher.update(password.as_bytes());
    hasher.update(salt);
    let mut bytes = hasher.finalize().to_vec();
    bytes.extend_from_slice(&salt);
    Ok(format!(
        "{{SSHA}}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssha_salts_every_hash_and_has_the_ldap_layout() -> Result<()> {
        let a = ssha("Initial-00000")?;
        let b = ssha("Initial-00000")?;
        assert_ne!(a, b, "two hashes of one password must differ by salt");
        let encoded = a.strip_prefix("{SSHA}").unwrap_or_default();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| TestkitError::Setup(e.to_string()))?;
        assert_eq!(raw.len(), 20 + 8, "SHA-1 digest followed by an 8-byte salt");
        let (digest, salt) = raw.split_at(20);
        let mut hasher = Sha1::new();
        hasher.update(b"Initial-00000");
        hasher.update(salt);
        assert_eq!(hasher.finalize().as_slice(), digest);
        Ok(())
    }
}
