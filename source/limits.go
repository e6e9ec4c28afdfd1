package source

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// MaxDocumentSize is the largest input, in bytes, that the parsers and the
// sources accept. Larger input fails with ErrTooLarge.
const MaxDocumentSize = 8 << 20

// The parse failures. Each is returned wrapped in a
// *content.Error{Class: content.InvalidContent}, so both errors.Is(err,
// ErrEmpty) and content.ClassOf(err) work.
var (
	// ErrTooLarge means the input exceeds MaxDocumentSize.
	ErrTooLarge = errors.New("document too large")
	// ErrEmpty means the input is empty or only white space, or holds no
	// content in its format (such as an empty JSON list).
	ErrEmpty = errors.New("document is empty")
	// ErrInvalidEncoding means the input is not valid UTF-8. Input is never
	// repaired silently: the error names the offset of the first bad byte.
	ErrInvalidEncoding = errors.New("document is not valid UTF-8")
	// ErrMalformed means the input does not have the shape its format
	// requires, such as JSON with a number where a date belongs.
	ErrMalformed = errors.New("malformed document")
)

// invalid returns an InvalidContent *content.Error for operation op and
// the given field, wrapping sentinel with a detail message.
func invalid(op, field string, sentinel error, format string, args ...any) *content.Error {
	err := sentinel
	if format != "" {
		err = fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
	}
	return &content.Error{Class: content.InvalidContent, Op: op, Field: field, Err: err}
}

// prepare checks data against the limits every parser shares and returns
// it with a leading byte-order mark removed and line endings normalised
// to "\n". It fails with ErrTooLarge, ErrInvalidEncoding or ErrEmpty.
func prepare(op string, data []byte) ([]byte, error) {
	if len(data) > MaxDocumentSize {
		return nil, invalid(op, "", ErrTooLarge, "%d bytes, limit %d", len(data), MaxDocumentSize)
	}
	if !utf8.Valid(data) {
		return nil, invalid(op, "", ErrInvalidEncoding, "first invalid byte at offset %d", invalidOffset(data))
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalid(op, "", ErrEmpty, "")
	}
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	return data, nil
}

// invalidOffset returns the byte offset of the first invalid UTF-8
// sequence in b, or len(b).
func invalidOffset(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// errorfWrap returns an error wrapping sentinel with a detail message.
func errorfWrap(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}

// maxNesting is the deepest nesting of lists and block quotes that
// ParseMarkdown accepts. goldmark's cost per line grows with the depth of
// the open blocks, and with the indentation that deep lists need, so
// unbounded nesting would let a few megabytes of input take minutes; real
// documents nest a handful of levels.
const maxNesting = 32

// checkNesting estimates, for every line that opens a list item or a
// block quote, how deep it nests (its markers, plus one level per two
// columns of indentation) and fails with ErrMalformed beyond maxNesting.
// Lines of other kinds, such as indented code, are not counted.
func checkNesting(op string, src []byte) error {
	line := 1
	for start := 0; start < len(src); line++ {
		end := bytes.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		if d := lineNesting(src[start:end]); d > maxNesting {
			return invalid(op, "", ErrMalformed, "line %d nests lists or quotes %d levels deep, more than %d", line, d, maxNesting)
		}
		start = end + 1
	}
	return nil
}

// lineNesting returns the estimated nesting depth a line opens, or 0 when
// it starts with no list or quote marker.
func lineNesting(l []byte) int {
	cols, markers := 0, 0
	for i := 0; i < len(l); {
		switch c := l[i]; {
		case c == ' ':
			cols++
			i++
		case c == '\t':
			cols += 4 - cols%4
			i++
		case c == '>':
			markers++
			i++
		case (c == '-' || c == '*' || c == '+') && (i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t'):
			markers++
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(l) && j-i < 9 && l[j] >= '0' && l[j] <= '9' {
				j++
			}
			if j < len(l) && (l[j] == '.' || l[j] == ')') && (j+1 == len(l) || l[j+1] == ' ' || l[j+1] == '\t') {
				markers++
				i = j + 1
				continue
			}
			return nestingOf(markers, cols)
		default:
			return nestingOf(markers, cols)
		}
	}
	return nestingOf(markers, cols)
}

func nestingOf(markers, cols int) int {
	if markers == 0 {
		return 0
	}
	return markers + cols/2
}
