package compat

// Avro reader/writer compatibility, reproducing Apache Avro Java's
// org.apache.avro.SchemaCompatibility.checkReaderWriterCompatibility
// (1.11.3+/1.12 behaviour) on hamba/avro's parsed schemas, and Confluent's
// rendering of each incompatibility (io.confluent.kafka.schemaregistry.avro.Difference
// formatted by SchemaValidatorBuilder with the reader then the writer label).

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
)

// Avro Java's SchemaIncompatibilityType names.
const (
	avroNameMismatch          = "NAME_MISMATCH"
	avroFixedSizeMismatch     = "FIXED_SIZE_MISMATCH"
	avroMissingEnumSymbols    = "MISSING_ENUM_SYMBOLS"
	avroReaderFieldNoDefault  = "READER_FIELD_MISSING_DEFAULT_VALUE"
	avroTypeMismatch          = "TYPE_MISMATCH"
	avroMissingUnionBranch    = "MISSING_UNION_BRANCH"
	avroUnexpectedExceptionTp = "" // Type of the single entry standing for a Java exception
)

// AvroIncompatibility is one reason why a reader schema cannot read data written with a writer schema.
//
// A Type of "" stands for the exception Avro Java throws when a reader field
// (by name and aliases) matches several writer fields: the check is aborted,
// CheckAvro returns that single entry, Info holds the exception text and
// Message renders it as Confluent does ("Unexpected exception during
// compatibility check: ...").
type AvroIncompatibility struct {
	Type     string // Avro Java's SchemaIncompatibilityType: NAME_MISMATCH, FIXED_SIZE_MISMATCH, MISSING_ENUM_SYMBOLS, READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_MISMATCH, MISSING_UNION_BRANCH
	Location string // JSON-pointer-like location in the reader schema as Avro Java reports it, e.g. "/fields/1/type", "/" for the root
	Info     string // Avro Java's message, e.g. "reader type: INT not compatible with writer type: STRING", "expected: com.acme.Foo", "[SYM1, SYM2]", field name for READER_FIELD_MISSING_DEFAULT_VALUE
}

// CheckAvro returns every incompatibility found when `reader` reads data written with `writer` (empty = compatible).
//
// The order, locations and messages are Avro Java's, including its quirks:
// results are memoised per (reader, writer) pair of schema nodes, so a pair
// met again (a named type used twice) repeats the first result with its first
// locations, and a pair first met while probing union branches keeps the
// root-relative locations of that probe.
func CheckAvro(reader, writer avro.Schema) (out []AvroIncompatibility) {
	if reader == nil || writer == nil {
		return nil
	}
	c := &avroChecker{memo: map[avroPair]*avroMemo{}}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(avroCheckAborted)
			if !ok {
				panic(r)
			}
			out = []AvroIncompatibility{{Type: avroUnexpectedExceptionTp, Location: "/", Info: e.msg}}
		}
	}()
	res := c.fresh(reader, writer)
	if len(res) == 0 {
		return nil
	}
	return slices.Clone(res)
}

// Message renders the incompatibility the way Confluent's registry prints it in `messages` (verbose compatibility) and in 409 details,
// e.g. {errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'f2'}
// readerLabel/writerLabel are "new"/"old" for BACKWARD checks and "old"/"new" for FORWARD checks.
func (i AvroIncompatibility) Message(readerLabel, writerLabel string) string {
	path := i.Location
	var desc string
	switch i.Type {
	case avroUnexpectedExceptionTp:
		return "Unexpected exception during compatibility check: " + i.Info
	case avroFixedSizeMismatch:
		desc = "The size of FIXED type field at path '" + path + "' in the " + readerLabel +
			" schema does not match with the " + writerLabel + " schema"
	case avroTypeMismatch:
		desc = "The type (path '" + path + "') of a field in the " + readerLabel +
			" schema does not match with the " + writerLabel + " schema"
	case avroNameMismatch:
		desc = "The name of the schema has changed (path '" + path + "')"
	case avroMissingEnumSymbols:
		desc = "The " + readerLabel + " schema is missing enum symbols '" + i.Info + "' at path '" + path +
			"' in the " + writerLabel + " schema"
	case avroMissingUnionBranch:
		desc = "The " + readerLabel + " schema is missing a type inside a union field at path '" + path +
			"' in the " + writerLabel + " schema"
	case avroReaderFieldNoDefault:
		desc = "The field '" + i.Info + "' at path '" + path + "' in the " + readerLabel +
			" schema has no default value and is missing in the " + writerLabel + " schema"
	}
	return "{errorType:'" + i.Type + "', description:'" + desc + "', additionalInfo:'" + i.Info + "'}"
}

// avroPair identifies a (reader, writer) pair of schema nodes by identity, as
// Java's ReaderWriter does. References are resolved first, so every use of a
// named type is the one node Java would see.
type avroPair struct {
	reader, writer avro.Schema
}

type avroMemo struct {
	done   bool // false while the pair is being computed (Java's RECURSION_IN_PROGRESS)
	result []AvroIncompatibility
}

// avroCheckAborted carries the message of the exception Java would throw.
type avroCheckAborted struct{ msg string }

type avroChecker struct {
	memo map[avroPair]*avroMemo
}

// avroLocation is Java's location stack: tokens from the root ("" first).
type avroLocation struct {
	tokens []string
}

func (l *avroLocation) push(t string) { l.tokens = append(l.tokens, t) }
func (l *avroLocation) pop()          { l.tokens = l.tokens[:len(l.tokens)-1] }

// String renders the location as Java's Incompatibility.getLocation does:
// the root token is skipped, the others are JSON-pointer escaped.
func (l *avroLocation) String() string {
	var b strings.Builder
	b.WriteByte('/')
	for i, t := range l.tokens[1:] {
		if i > 0 {
			b.WriteByte('/')
		}
		t = strings.ReplaceAll(t, "~", "~0")
		b.WriteString(strings.ReplaceAll(t, "/", "~1"))
	}
	return b.String()
}

func (l *avroLocation) incompatible(typ, info string) []AvroIncompatibility {
	return []AvroIncompatibility{{Type: typ, Location: l.String(), Info: info}}
}

// fresh is Java's public getCompatibility(reader, writer): a new location
// stack, but the shared memo.
func (c *avroChecker) fresh(reader, writer avro.Schema) []AvroIncompatibility {
	return c.get("", reader, writer, &avroLocation{})
}

// get is Java's memoising getCompatibility(referenceToken, reader, writer, location).
func (c *avroChecker) get(token string, reader, writer avro.Schema, loc *avroLocation) []AvroIncompatibility {
	reader, writer = avroDeref(reader), avroDeref(writer)
	loc.push(token)
	defer loc.pop()
	key := avroPair{reader, writer}
	if m, ok := c.memo[key]; ok {
		if !m.done {
			// Break the recursion: compatible unless proven otherwise.
			return nil
		}
		return m.result
	}
	m := &avroMemo{}
	c.memo[key] = m
	m.result = c.calculate(reader, writer, loc)
	m.done = true
	return m.result
}

// calculate is Java's calculateCompatibility. Results are always built in a
// fresh slice so memoised slices are never appended to.
func (c *avroChecker) calculate(reader, writer avro.Schema, loc *avroLocation) []AvroIncompatibility {
	rt, wt := avroJavaType(reader), avroJavaType(writer)
	var res []AvroIncompatibility
	if rt == wt {
		switch rt {
		case "ARRAY":
			return append(res, c.get("items", reader.(*avro.ArraySchema).Items(), writer.(*avro.ArraySchema).Items(), loc)...)
		case "MAP":
			return append(res, c.get("values", reader.(*avro.MapSchema).Values(), writer.(*avro.MapSchema).Values(), loc)...)
		case "FIXED":
			res = append(res, checkAvroNames(reader, writer, loc)...)
			loc.push("size")
			defer loc.pop()
			actual, expected := reader.(*avro.FixedSchema).Size(), writer.(*avro.FixedSchema).Size()
			if actual != expected {
				res = append(res, loc.incompatible(avroFixedSizeMismatch,
					"expected: "+strconv.Itoa(expected)+", found: "+strconv.Itoa(actual))...)
			}
			return res
		case "ENUM":
			res = append(res, checkAvroNames(reader, writer, loc)...)
			return append(res, checkAvroEnumSymbols(reader.(*avro.EnumSchema), writer.(*avro.EnumSchema), loc)...)
		case "RECORD":
			res = append(res, checkAvroNames(reader, writer, loc)...)
			return append(res, c.checkRecordFields(reader.(*avro.RecordSchema), writer.(*avro.RecordSchema), loc)...)
		case "UNION":
			// Each writer branch must be readable by the reader union.
			for i, branch := range writer.(*avro.UnionSchema).Types() {
				loc.push(strconv.Itoa(i))
				if len(c.fresh(reader, branch)) > 0 {
					res = append(res, loc.incompatible(avroMissingUnionBranch,
						"reader union lacking writer type: "+avroJavaType(avroDeref(branch)))...)
				}
				loc.pop()
			}
			return res
		default: // primitives
			return nil
		}
	}

	// Different types. A reader compatible with every writer branch reads the writer union.
	if wt == "UNION" {
		for i, branch := range writer.(*avro.UnionSchema).Types() {
			res = append(res, c.get(strconv.Itoa(i), reader, branch, loc)...)
		}
		return res
	}
	switch rt {
	case "LONG":
		if wt == "INT" {
			return nil
		}
	case "FLOAT":
		if wt == "INT" || wt == "LONG" {
			return nil
		}
	case "DOUBLE":
		if wt == "INT" || wt == "LONG" || wt == "FLOAT" {
			return nil
		}
	case "BYTES":
		if wt == "STRING" {
			return nil
		}
	case "STRING":
		if wt == "BYTES" {
			return nil
		}
	case "UNION":
		for _, branch := range reader.(*avro.UnionSchema).Types() {
			if len(c.fresh(branch, writer)) == 0 {
				return nil
			}
		}
		return loc.incompatible(avroMissingUnionBranch, "reader union lacking writer type: "+wt)
	}
	return loc.incompatible(avroTypeMismatch, "reader type: "+rt+" not compatible with writer type: "+wt)
}

func (c *avroChecker) checkRecordFields(reader, writer *avro.RecordSchema, loc *avroLocation) []AvroIncompatibility {
	var res []AvroIncompatibility
	loc.push("fields")
	defer loc.pop()
	for i, rf := range reader.Fields() {
		loc.push(strconv.Itoa(i))
		wf := lookupAvroWriterField(writer, rf, i)
		switch {
		case wf != nil:
			res = append(res, c.get("type", rf.Type(), wf.Type(), loc)...)
		case rf.HasDefault():
		default:
			if e, ok := avroDeref(rf.Type()).(*avro.EnumSchema); ok && e.HasDefault() {
				// Java checks the reader enum against the writer *record* here.
				res = append(res, c.get("type", e, writer, loc)...)
			} else {
				res = append(res, loc.incompatible(avroReaderFieldNoDefault, rf.Name())...)
			}
		}
		loc.pop()
	}
	return res
}

// lookupAvroWriterField is Java's lookupWriterField: the writer field named
// like the reader field, then those named like its aliases; more than one
// match aborts the check as Java's exception does. pos is the reader field's
// position, for Java's Field.toString in the exception text.
func lookupAvroWriterField(writer *avro.RecordSchema, rf *avro.Field, pos int) *avro.Field {
	var found []*avro.Field
	if f := avroFieldByName(writer, rf.Name()); f != nil {
		found = append(found, f)
	}
	for _, alias := range rf.Aliases() {
		if f := avroFieldByName(writer, alias); f != nil {
			found = append(found, f)
		}
	}
	switch len(found) {
	case 0:
		return nil
	case 1:
		return found[0]
	}
	// Java prints the writer with Schema.toString (full JSON); hamba's
	// canonical form is the closest rendering available.
	panic(avroCheckAborted{msg: "Reader record field " + rf.Name() + " type:" + avroJavaType(avroDeref(rf.Type())) +
		" pos:" + strconv.Itoa(pos) + " matches multiple fields in writer record schema " + writer.String()})
}

func avroFieldByName(rec *avro.RecordSchema, name string) *avro.Field {
	for _, f := range rec.Fields() {
		if f.Name() == name {
			return f
		}
	}
	return nil
}

// checkAvroNames is Java's checkSchemaNames with schemaNameEquals: the
// unqualified names are equal, or a reader alias is the writer's full name.
func checkAvroNames(reader, writer avro.Schema, loc *avroLocation) []AvroIncompatibility {
	r, w := reader.(avro.NamedSchema), writer.(avro.NamedSchema)
	if r.Name() == w.Name() || slices.Contains(r.Aliases(), w.FullName()) {
		return nil
	}
	loc.push("name")
	defer loc.pop()
	return loc.incompatible(avroNameMismatch, "expected: "+w.FullName())
}

// checkAvroEnumSymbols is Java's checkReaderEnumContainsAllWriterEnumSymbols:
// the writer symbols missing from the reader, as a sorted Java set, unless
// the reader enum has a default.
func checkAvroEnumSymbols(reader, writer *avro.EnumSchema, loc *avroLocation) []AvroIncompatibility {
	var missing []string
	for _, s := range writer.Symbols() {
		if !slices.Contains(reader.Symbols(), s) && !slices.Contains(missing, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 || (reader.HasDefault() && slices.Contains(reader.Symbols(), reader.Default())) {
		return nil
	}
	sort.Strings(missing) // Java's TreeSet order
	loc.push("symbols")
	defer loc.pop()
	return loc.incompatible(avroMissingEnumSymbols, "["+strings.Join(missing, ", ")+"]")
}

// avroDeref follows references to the named type they stand for.
func avroDeref(s avro.Schema) avro.Schema {
	for {
		ref, ok := s.(*avro.RefSchema)
		if !ok {
			return s
		}
		s = ref.Schema()
	}
}

// avroJavaType is the name of Java's Schema.Type for a (dereferenced) schema.
// Logical types are ignored, as Java's check ignores them.
func avroJavaType(s avro.Schema) string {
	switch t := s.Type(); t {
	case avro.Error:
		return "RECORD"
	case avro.Ref:
		return avroJavaType(avroDeref(s))
	default:
		return strings.ToUpper(string(t))
	}
}
