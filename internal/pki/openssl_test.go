package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOpenSSLReverifies follows the auditor's recipe of the package comment, with
// the OpenSSL command line and a POSIX shell only.
func TestOpenSSLReverifies(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	f := newFixture(t, "katori")
	dir := t.TempDir()
	signedAt := t0.Add(time.Hour)
	text := "訪問しました。血圧 132/84、SpO₂ 97%。\n次回は来週火曜。\n\n"
	canonical := Canonical(String("author", "u-hanako"), String("entry", "e-1"), String("text", text))
	sig := f.sign(t, canonical, signedAt)
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", f.ca.PEM())
	write("signer.der", sig.CertDER)
	write("signature.der", sig.Value)
	cert, _ := x509.ParseCertificate(sig.CertDER)
	crl, err := f.ca.CreateCRL(big.NewInt(1), []x509.RevocationListEntry{{SerialNumber: cert.SerialNumber,
		RevocationTime: signedAt.Add(time.Hour)}}, signedAt.Add(2*time.Hour), signedAt.Add(26*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	write("crl.der", crl)

	sh := func(script string, env ...string) (string, error) {
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	signed := "SIGNED_AT=" + signedAt.Format(time.RFC3339Nano)
	// The canonical form rebuilt from the fields, in sorted order.
	ns := `ns() { for s; do printf '%d:%s,' "$(printf '%s' "$s" | LC_ALL=C wc -c)" "$s"; done; }
{ ns renraku-canonical/v1; ns author u-hanako; ns entry e-1; ns text "$TEXT"; } > canonical.bin`
	if out, err := sh(ns, "TEXT="+text); err != nil {
		t.Fatalf("rebuild canonical.bin: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "canonical.bin")); !bytes.Equal(got, canonical) {
		t.Fatalf("canonical.bin from the shell =\n%q\nCanonical =\n%q", got, canonical)
	}

	steps := []struct{ script, want string }{
		{`openssl x509 -inform DER -in signer.der -out signer.pem`, ""},
		{`openssl verify -CAfile ca.pem -attime "$(date -d "$SIGNED_AT" +%s)" signer.pem`, "signer.pem: OK"},
		{`openssl x509 -in signer.pem -pubkey -noout > signer.pub`, ""},
		{`{ printf 'renraku-signature/v1\n%s\n' "$SIGNED_AT"; cat canonical.bin; } > message.bin`, ""},
		{`openssl dgst -sha256 -verify signer.pub -signature signature.der message.bin`, "Verified OK"},
		{`openssl crl -inform DER -in crl.der -noout -text`, "Serial Number: " + fmt.Sprintf("%X", cert.SerialNumber.Bytes())},
		{`openssl x509 -in ca.pem -noout -text`, "CA:TRUE, pathlen:1"},
		{`openssl x509 -in signer.pem -noout -text`, "URI:urn:renraku:katori:user:u-hanako"},
	}
	for _, s := range steps {
		out, err := sh(s.script, signed)
		if err != nil {
			t.Fatalf("%s: %v\n%s", s.script, err, out)
		}
		if !strings.Contains(out, s.want) {
			t.Errorf("%s:\n%s\nwant %q in it", s.script, out, s.want)
		}
	}
	// A changed canonical form fails, and so does the chain after the validity.
	if out, err := sh(`printf x >> canonical.bin; { printf 'renraku-signature/v1\n%s\n' "$SIGNED_AT"; cat canonical.bin; } > message.bin
openssl dgst -sha256 -verify signer.pub -signature signature.der message.bin`, signed); err == nil || !strings.Contains(out, "Verification failure") {
		t.Errorf("altered canonical form: %v\n%s", err, out)
	}
	late := "SIGNED_AT=" + strconv.FormatInt(t0.AddDate(3, 0, 0).Unix(), 10)
	if out, err := sh(`openssl verify -CAfile ca.pem -attime "$SIGNED_AT" signer.pem`, late); err == nil {
		t.Errorf("openssl verify after expiry passed:\n%s", out)
	}
	if b, _ := pem.Decode(f.ca.PEM()); b == nil || b.Type != "CERTIFICATE" {
		t.Error("CA PEM")
	}
}
