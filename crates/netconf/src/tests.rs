//! End-to-end tests of `load`, with YAML files in temporary directories.
use super::*;

#[test]
fn explore() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.yaml");
    for text in ["", "# just a comment\n", "cluster_name: a\nregion: [1\n", "- a\n- b\n", "a: 'x\n", "cluster_name: x\ncluster_name: y\n", "a: b: c\n"] {
        std::fs::write(&p, text).unwrap();
        let r = load_with_env(&LoadOptions::new(&p), Vec::new());
        match r { Ok(l) => println!("{text:?} => OK {:?}", l.config.cluster), Err(e) => println!("{text:?} => {e}") }
        let r = <serde_saphyr::figment::Yaml as figment::providers::Format>::from_path::<figment::value::Value>(&p);
        println!("   as value: {r:?}");
    }
}
