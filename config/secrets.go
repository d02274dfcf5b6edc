package config

import (
	"regexp"
	"strings"
)

// secretKey reports whether a flag key would hold a secret, and the key that
// names its environment variable instead.
func secretKey(k string) (hint string, bad bool) {
	lk := strings.ToLower(k)
	switch lk {
	case "api_key", "apikey", "key", "token", "secret", "password", "passwd", "http_token", "access_token", "bearer_token":
		return lk + "_env", true
	}
	for _, suffix := range []string{"_api_key", "_apikey", "_token", "_secret", "_password"} {
		if strings.HasSuffix(lk, suffix) {
			return lk + "_env", true
		}
	}
	return "", false
}

// secretName matches environment variable and header names that carry secrets.
var secretName = regexp.MustCompile(`(?i)(key|token|secret|passw|auth|credential|cookie)`)

// envRef matches a ${VAR} reference.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// literalSecret reports whether name looks like it carries a secret and value
// is written out instead of referring to a variable with ${VAR}.
func literalSecret(name, value string) bool {
	return value != "" && secretName.MatchString(name) && !envRef.MatchString(value)
}

// expand replaces each ${VAR} in s with getenv(VAR).
func expand(s string, getenv func(string) string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string { return getenv(m[2 : len(m)-1]) })
}
