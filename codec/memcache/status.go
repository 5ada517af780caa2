package memcache

// Status is the kind of a complete reply, from its first line.
type Status uint8

// Reply statuses. A retrieval reply (VALUE blocks then END) is StatusEnd.
const (
	StatusUnknown     Status = iota
	StatusEnd                // END, after zero or more VALUE blocks
	StatusStored             // STORED
	StatusNotStored          // NOT_STORED
	StatusExists             // EXISTS
	StatusNotFound           // NOT_FOUND
	StatusDeleted            // DELETED
	StatusTouched            // TOUCHED
	StatusNumber             // the value after incr/decr
	StatusOK                 // OK (verbosity)
	StatusVersion            // VERSION <version>
	StatusError              // ERROR
	StatusClientError        // CLIENT_ERROR <message>
	StatusServerError        // SERVER_ERROR <message>
	StatusHD                 // meta: success, no value
	StatusVA                 // meta: value follows
	StatusEN                 // meta: miss
	StatusNF                 // meta: not found
	StatusNS                 // meta: not stored
	StatusEX                 // meta: exists (cas mismatch)
	StatusMN                 // meta: no-op marker
	StatusME                 // meta: debug line
	numStatuses
)

// statusWords are the first words of reply lines, indexed by Status.
var statusWords = [numStatuses]string{
	StatusUnknown: "", StatusEnd: "END", StatusStored: "STORED",
	StatusNotStored: "NOT_STORED", StatusExists: "EXISTS", StatusNotFound: "NOT_FOUND",
	StatusDeleted: "DELETED", StatusTouched: "TOUCHED", StatusNumber: "",
	StatusOK: "OK", StatusVersion: "VERSION", StatusError: "ERROR",
	StatusClientError: "CLIENT_ERROR", StatusServerError: "SERVER_ERROR",
	StatusHD: "HD", StatusVA: "VA", StatusEN: "EN", StatusNF: "NF", StatusNS: "NS",
	StatusEX: "EX", StatusMN: "MN", StatusME: "ME",
}

// String returns the reply word ("number" and "unknown" for the two without one).
func (s Status) String() string {
	switch {
	case s == StatusNumber:
		return "number"
	case s == StatusUnknown || s >= numStatuses:
		return "unknown"
	}
	return statusWords[s]
}

// IsError reports whether the reply is ERROR, CLIENT_ERROR or SERVER_ERROR.
func (s Status) IsError() bool {
	return s == StatusError || s == StatusClientError || s == StatusServerError
}

// statusSet is a set of statuses, one bit each.
type statusSet uint32

func setOf(ss ...Status) statusSet {
	var set statusSet
	for _, s := range ss {
		set |= 1 << s
	}
	return set
}

func (set statusSet) has(s Status) bool { return set&(1<<s) != 0 }

var (
	storedSet = setOf(StatusStored, StatusNotStored, StatusExists, StatusNotFound)
	metaSet   = setOf(StatusHD, StatusVA, StatusEN, StatusNF, StatusNS, StatusEX, StatusME, StatusMN)
	errorSet  = setOf(StatusError, StatusClientError, StatusServerError)
)

// statusValue marks a VALUE line inside a retrieval reply.
const statusValue = numStatuses

// statusByFirstByte lists the statuses (and VALUE) by the first byte of their
// word, so classifying a line compares at most a few words. Read-only.
var statusByFirstByte = func() (idx [256][]Status) {
	for s := StatusEnd; s <= statusValue; s++ {
		if w := statusWord(s); w != "" {
			idx[w[0]] = append(idx[w[0]], s)
		}
	}
	return idx
}()

// statusWord is statusWords extended with VALUE.
func statusWord(s Status) string {
	if s == statusValue {
		return "VALUE"
	}
	return statusWords[s]
}

// classify returns the status of a reply line (without its end of line).
func classify(line []byte) Status {
	if len(line) == 0 {
		return StatusUnknown
	}
	if c := line[0]; c >= '0' && c <= '9' {
		return classifyNumber(line)
	}
	word := line
	for i, c := range line {
		if c == ' ' {
			word = line[:i]
			break
		}
	}
	if len(word) == 0 {
		return StatusUnknown
	}
	for _, s := range statusByFirstByte[word[0]] {
		if string(word) == statusWord(s) {
			return s
		}
	}
	return StatusUnknown
}

// classifyNumber accepts digits followed by spaces (memcached may pad a
// number that became shorter after decr).
func classifyNumber(line []byte) Status {
	i := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i > 20 {
		return StatusUnknown
	}
	for ; i < len(line); i++ {
		if line[i] != ' ' {
			return StatusUnknown
		}
	}
	return StatusNumber
}
