package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// How readers tell a live writer from a dead one.
//
// A process that creates transcripts first claims a writer lock: a file named
// by a random token in the folder <db>-writers/, holding an exclusive flock
// for as long as the process lives. Each transcript records the token of its
// writer. The kernel drops the lock when the process ends however it ends
// (SIGKILL included), so a reader that can take the lock, or finds no file,
// knows the writer is gone and shows its running transcripts as interrupted.
// Unlike a recorded pid, a token cannot be reused by an unrelated process,
// and unlike a heartbeat it costs the writer nothing and needs no waiting.

// writerLock is this process's claim to be alive.
type writerLock struct {
	token string
	path  string
	f     *os.File
}

// writersDir is the folder of writer locks beside the database file.
func writersDir(dbPath string) string { return dbPath + "-writers" }

// claimWriter creates and locks a new writer file.
func claimWriter(dbPath string) (*writerLock, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(b[:])
	dir := writersDir(dbPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("writer lock: %w", err)
	}
	p := filepath.Join(dir, token)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("writer lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		os.Remove(p)
		return nil, fmt.Errorf("writer lock: %w", err)
	}
	// The pid is for a curious human; liveness is the lock alone.
	_, _ = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return &writerLock{token: token, path: p, f: f}, nil
}

// release removes the file and drops the lock.
func (w *writerLock) release() error {
	err := os.Remove(w.path)
	return errors.Join(err, w.f.Close())
}

// liveness answers, for the tokens of running transcripts, whether their
// writer is still alive, testing each token once.
type liveness struct {
	dbPath string
	seen   map[string]bool
}

func newLiveness(dbPath string) *liveness {
	return &liveness{dbPath: dbPath, seen: map[string]bool{}}
}

// status is the status to show: running becomes interrupted when the writer
// is gone (or unknown, as for transcripts from schema version 1).
func (l *liveness) status(stored, token string) string {
	if stored != StatusRunning {
		return stored
	}
	alive, ok := l.seen[token]
	if !ok {
		alive = validToken(token) && writerAlive(filepath.Join(writersDir(l.dbPath), token))
		l.seen[token] = alive
	}
	if alive {
		return StatusRunning
	}
	return StatusInterrupted
}

// validToken keeps a token read from the database from naming a path
// outside the writers folder.
func validToken(token string) bool {
	_, err := hex.DecodeString(token)
	return err == nil && len(token) == 24
}
