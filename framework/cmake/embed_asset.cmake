# Writes one text asset (a stylesheet, a script) as a C++ source that
# defines it as a std::string_view constant, so that pages carry their CSS
# and JS without reading files at run time. Run by loadgate_embed_assets
# (framework/CMakeLists.txt) at build time, as
#   cmake -DASSET=<file> -DSOURCE=<.cc to write> -DHEADER=<declaring header>
#         -DNAMESPACE=<C++ namespace> -DNAME=<constant> -P embed_asset.cmake
# The text goes into a raw string literal verbatim, byte for byte; an asset
# that holds the literal's closing sequence is refused rather than cut short.

foreach(argument ASSET SOURCE HEADER NAMESPACE NAME)
  if(NOT DEFINED ${argument})
    message(FATAL_ERROR "embed_asset.cmake: -D${argument}=... is missing")
  endif()
endforeach()

file(READ "${ASSET}" text)
set(delimiter "loadgate_asset")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${ASSET} holds the sequence )${delimiter}\", which "
    "would end the raw string literal it is embedded in")
endif()

file(WRITE "${SOURCE}"
  "// Generated from ${ASSET} by embed_asset.cmake: edit that file instead.\n"
  "#include \"${HEADER}\"\n\n"
  "namespace ${NAMESPACE} {\n\n"
  "extern const std::string_view ${NAME} = R\"${delimiter}(${text})${delimiter}\";\n\n"
  "}  // namespace ${NAMESPACE}\n")
