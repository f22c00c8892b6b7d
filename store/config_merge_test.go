package store

import (
	"reflect"
	"testing"

	"github.com/schemaregistry/registry/compat"
)

// TestMergeConfigCoversEveryField sets each field of a subject config in
// turn and checks that the merge takes it over the global one: a field added
// to Config and forgotten in mergeConfig fails here.
func TestMergeConfigCoversEveryField(t *testing.T) {
	typ := reflect.TypeOf(Config{})
	global := Config{}
	gv := reflect.ValueOf(&global).Elem()
	for i := range typ.NumField() {
		gv.Field(i).Set(reflect.New(typ.Field(i).Type.Elem()))
	}
	def := compat.Backward
	for i := range typ.NumField() {
		var sub Config
		f := reflect.New(typ.Field(i).Type.Elem())
		reflect.ValueOf(&sub).Elem().Field(i).Set(f)
		out := mergeConfig(global, sub, Config{CompatibilityLevel: &def})
		if reflect.ValueOf(out).Field(i).Pointer() != f.Pointer() {
			t.Errorf("%s of the subject config is not taken over the global one", typ.Field(i).Name)
		}
		for j := range typ.NumField() {
			if j == i || typ.Field(j).Name == "CompatibilityLevel" {
				continue
			}
			if reflect.ValueOf(out).Field(j).Pointer() != gv.Field(j).Pointer() {
				t.Errorf("setting %s lost the global %s", typ.Field(i).Name, typ.Field(j).Name)
			}
		}
	}
	if out := mergeConfig(global, Config{}, Config{CompatibilityLevel: &def}); out.CompatibilityLevel != &def {
		t.Errorf("a subject config without a level gets %v, want the server default", out.CompatibilityLevel)
	}
}
