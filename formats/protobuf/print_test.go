package protobuf

import (
	"testing"

	"github.com/schemaregistry/registry/formats"
)

func mustParse(t *testing.T, text string, opts formats.Options, deps ...formats.Dependency) *Schema {
	t.Helper()
	s, err := Format{}.Parse(text, deps, opts)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	return s.(*Schema)
}

// TestCanonical checks the printer against Confluent's layout rules: one
// blank line before each non-empty section, messages before enums, nested
// blocks indented by two spaces (blank lines inside them too), comments
// dropped, options printed inline when alone and one per line otherwise,
// default and json_name after the other options.
func TestCanonical(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{
			name: "layout",
			in: `// a comment
syntax   =   "proto3";   package  a.b ;
import public "google/protobuf/empty.proto";
import "google/protobuf/timestamp.proto";
option java_package = "x.y";  option  java_multiple_files=true;
enum Color { RED = 0; /* blue */ BLUE = 1; }
message Outer {
  // inner first in the text
  message Inner { int32 x = 1; }
  enum Kind { K = 0; }
  Inner inner = 1;
  map < string , Inner > byName = 2;
  oneof choice { string s = 3; int64 n = 4; }
  repeated google.protobuf.Timestamp times = 5;
  reserved 10, 12 to 14, 20 to max;
  reserved "old";
  option deprecated = true;
}
message Empty {}
service S { rpc Get (Outer) returns (stream Empty); }
`,
			want: `syntax = "proto3";
package a.b;

import "google/protobuf/timestamp.proto";
import public "google/protobuf/empty.proto";

option java_package = "x.y";
option java_multiple_files = true;

message Outer {
  reserved 10, 12 to 14, 20 to max;
  reserved "old";

  option deprecated = true;

  Inner inner = 1;
  map<string, Inner> byName = 2;
  repeated google.protobuf.Timestamp times = 5;

  oneof choice {
    string s = 3;
    int64 n = 4;
  }

  message Inner {
    int32 x = 1;
  }
  enum Kind {
    K = 0;
  }
}
message Empty {}
enum Color {
  RED = 0;
  BLUE = 1;
}

service S {
  rpc Get (Outer) returns (stream Empty);
}
`,
		},
		{
			name: "field options",
			in: `syntax = "proto2";
import "confluent/meta.proto";
message M {
  optional string a = 1 [json_name = "A", default = "x\"y", deprecated = true];
  optional int32 b = 2 [default = 0x10];
  repeated int32 c = 3 [packed=true];
  optional string d = 4 [(confluent.field_meta).doc = 'it''s', (confluent.field_meta) = { tags: ["PII", "X"] params: { key: "k" value: "v" } }];
  optional bool e = 5 [default = true];
  optional double f = 6 [default = -inf];
}
`,
			want: `syntax = "proto2";

import "confluent/meta.proto";

message M {
  optional string a = 1 [
    deprecated = true,
    default = "x\"y",
    json_name = "A"
  ];
  optional int32 b = 2 [default = 0x10];
  repeated int32 c = 3 [packed = true];
  optional string d = 4 [
    (confluent.field_meta).doc = "its",
    (confluent.field_meta) = {
      tags: [
        "PII",
        "X"
      ],
      params: {
        key: "k",
        value: "v"
      }
    }
  ];
  optional bool e = 5 [default = true];
  optional double f = 6 [default = -inf];
}
`,
		},
		{
			name: "nested blank lines and enum reserved",
			in: `syntax = "proto3";
message A {
  message B {
    int32 x = 1;
    oneof o { int32 y = 2; }
    enum E { reserved 5; reserved "Z"; option allow_alias = true; P = 0; Q = 0; }
  }
}
`,
			want: "syntax = \"proto3\";\n\nmessage A {\n  message B {\n    int32 x = 1;\n  \n    oneof o {\n      int32 y = 2;\n    }\n  \n    enum E {\n      reserved 5;\n      reserved \"Z\";\n      option allow_alias = true;\n      P = 0;\n      Q = 0;\n    }\n  }\n}\n",
		},
		{
			name: "proto2 extensions, extend, group, no syntax",
			in: `package p;
message M {
  extensions 100 to 199, 300;
  optional group G = 1 { optional int32 x = 2; }
  extend M { optional string ext = 100; }
}
extend M { optional int32 top = 101; }
`,
			want: `package p;

message M {
  optional group G = 1 {
    optional int32 x = 2;
  }

  extensions 100 to 199, 300;

  extend M {
    optional string ext = 100;
  }
}

extend M {
  optional int32 top = 101;
}
`,
		},
		{
			name: "option values",
			in: `syntax = "proto3";
import "google/protobuf/descriptor.proto";
message O { repeated int32 n = 1; string s = 2; O o = 3; bool b = 4; }
extend google.protobuf.MessageOptions { O opt = 50000; }
message M {
  option (opt) = { n: 1 n: [2, 3] s: "a\tb" "c" o { b: true } };
  option (opt).s = "\x41\101";
}
`,
			want: `syntax = "proto3";

import "google/protobuf/descriptor.proto";

message O {
  repeated int32 n = 1;
  string s = 2;
  O o = 3;
  bool b = 4;
}
message M {
  option (opt) = {
    n: [
      1,
      2,
      3
    ],
    s: "a\tbc",
    o: {
      b: true
    }
  };
  option (opt).s = "AA";
}

extend google.protobuf.MessageOptions {
  O opt = 50000;
}
`,
		},
		{
			name: "rpc options",
			in: `syntax = "proto3";
message R {}
service S {
  option deprecated = true;
  rpc A (R) returns (R) { option deprecated = true; option idempotency_level = NO_SIDE_EFFECTS; }
  rpc B (stream R) returns (stream R);
}
`,
			want: `syntax = "proto3";

message R {}

service S {
  option deprecated = true;

  rpc A (R) returns (R) {
    option deprecated = true;
    option idempotency_level = NO_SIDE_EFFECTS;
  };
  rpc B (stream R) returns (stream R);
}
`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustParse(t, c.in, formats.Options{New: true})
			if got := s.Canonical(); got != c.want {
				t.Errorf("canonical\n%s\nwant\n%s", got, c.want)
			}
			again := mustParse(t, s.Canonical(), formats.Options{New: true})
			if again.Canonical() != s.Canonical() {
				t.Errorf("not idempotent:\n%s", again.Canonical())
			}
		})
	}
}

// TestNormalized checks Confluent's normalized form: proto3-only syntax
// line, imports sorted and distinct, names fully qualified, options sorted
// by name with the settings of one option message merged, fields and
// oneofs by number, constants by number then name, ranges one per line,
// numbers reformatted, extend blocks grouped by extendee.
func TestNormalized(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{
			name: "proto3",
			in: `syntax = "proto3";
package p.q;
import "google/protobuf/timestamp.proto";
import "confluent/meta.proto";
option java_package = "j";
option go_package = "g";
message M {
  reserved "b", "a";
  reserved 20 to 20, 9, 12 to 14;
  option deprecated = true;
  option (confluent.message_meta).tags = "T1";
  option (confluent.message_meta).tags = "T2";
  Inner.Deep d = 3;
  google.protobuf.Timestamp ts = 1 [(confluent.field_meta) = { doc: "x" params: [{value: "2", key: "scale"}] }];
  map<string, Inner> inners = 2;
  oneof second { int32 z = 8; int32 y = 7; }
  oneof first { int32 w = 5; }
  message Inner { message Deep {} }
  enum E { option allow_alias = true; Z = 0; B = 1; A = 1; }
}
`,
			want: `syntax = "proto3";
package p.q;

import "confluent/meta.proto";
import "google/protobuf/timestamp.proto";

option go_package = "g";
option java_package = "j";

message M {
  reserved 9;
  reserved 12 to 14;
  reserved 20;
  reserved "a";
  reserved "b";

  option (confluent.message_meta) = {
    tags: [
      "T1",
      "T2"
    ]
  };
  option deprecated = true;

  .google.protobuf.Timestamp ts = 1 [(confluent.field_meta) = {
    doc: "x",
    params: {
      key: "scale",
      value: "2"
    }
  }];
  map<string, .p.q.M.Inner> inners = 2;
  .p.q.M.Inner.Deep d = 3;

  oneof first {
    int32 w = 5;
  }
  oneof second {
    int32 y = 7;
    int32 z = 8;
  }

  message Inner {
    message Deep {}
  }
  enum E {
    option allow_alias = true;
    Z = 0;
    A = 1;
    B = 1;
  }
}
`,
		},
		{
			name: "proto2 extends and numbers",
			in: `syntax = "proto2";
package p;
import "google/protobuf/descriptor.proto";
message Range { optional double min = 1 [default = 1.50]; optional double max = 2 [default = nan]; optional int32 i = 3 [default = 010]; }
extend google.protobuf.FieldOptions { optional Range length = 50001; }
message M {
  extensions 300, 100 to 200;
  optional bytes b = 1 [(length).max = 1024.0, default = "z", (length).min = 1.23456e2];
}
extend M { optional int32 two = 101; }
extend .p.M { optional int32 one = 100; }
`,
			want: `package p;

import "google/protobuf/descriptor.proto";

message Range {
  optional double min = 1 [default = 1.5];
  optional double max = 2 [default = nan];
  optional int32 i = 3 [default = 8];
}
message M {
  optional bytes b = 1 [
    default = z,
    (p.length) = {
      max: 1024,
      min: 123.456
    }
  ];

  extensions 100 to 200;
  extensions 300;
}

extend .google.protobuf.FieldOptions {
  optional .p.Range length = 50001;
}
extend .p.M {
  optional int32 one = 100;
  optional int32 two = 101;
}
`,
		},
		{
			name: "option message merge",
			in: `syntax = "proto3";
import "google/protobuf/descriptor.proto";
message O { repeated int32 n = 1; repeated string s = 2; O o = 3; bool b = 4; }
extend google.protobuf.MessageOptions { O opt = 50000; }
message M {
  option (opt) = { n: 1 n: [2, 3] s: "a" o { b: true } };
  option (opt).s = "b";
  option (opt).o.b = false;
}
`,
			want: `syntax = "proto3";

import "google/protobuf/descriptor.proto";

message O {
  repeated int32 n = 1;
  repeated string s = 2;
  .O o = 3;
  bool b = 4;
}
message M {
  option (opt) = {
    n: [
      1,
      2,
      3
    ],
    o: [
      {
        b: true
      },
      {
        b: false
      }
    ],
    s: [
      "a",
      "b"
    ]
  };
}

extend .google.protobuf.MessageOptions {
  .O opt = 50000;
}
`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustParse(t, c.in, formats.Options{New: true, Normalize: true})
			if got := s.Canonical(); got != c.want {
				t.Errorf("normalized\n%s\nwant\n%s", got, c.want)
			}
			again := mustParse(t, s.Canonical(), formats.Options{Normalize: true})
			if again.Canonical() != s.Canonical() {
				t.Errorf("not idempotent:\n%s", again.Canonical())
			}
		})
	}
}
