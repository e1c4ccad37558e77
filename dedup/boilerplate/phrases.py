"""Boilerplate phrases in other languages than English, by kind.

What a page says around its article is a small, closed vocabulary: the
labels of sharing buttons, the headers of "related" boxes and comment
threads, cookie and copyright notices, advertisement labels, date lines.
These lists hold that vocabulary for German, French, Spanish, Italian,
Portuguese, Russian, Chinese, Japanese, Arabic and Urdu (lower case;
:mod:`dedup.boilerplate.rules` compiles them). English is in the rules
themselves.
"""

from __future__ import annotations

# A whole short block that is one of these.
SHARING = (
    # de
    "teilen", "artikel teilen", "diesen artikel teilen", "auf facebook teilen", "auf twitter teilen", "per e-mail teilen",
    "folgen sie uns", "folge uns", "drucken", "link kopieren", "wie bewerten sie diesen artikel",
    "war dieser artikel hilfreich", "artikel bewerten",
    # fr
    "partager", "partager cet article", "partager sur facebook", "partager sur twitter", "partager par e-mail",
    "suivez-nous", "imprimer", "copier le lien", "cet article vous a-t-il été utile", "notez cet article",
    # es
    "compartir", "compartir en facebook", "compartir en twitter", "compartir por correo", "compartir este artículo",
    "síguenos", "imprimir", "copiar enlace", "¿te ha resultado útil", "valora este artículo",
    # it
    "condividi", "condividi su facebook", "condividi su twitter", "condividi questo articolo", "seguici", "stampa",
    "copia link", "ti è stato utile questo articolo", "vota questo articolo",
    # pt
    "compartilhar", "partilhar", "compartilhe", "partilhe", "compartilhar no facebook", "partilhar no facebook",
    "siga-nos", "copiar link", "este artigo foi útil", "avalie este artigo",
    # ru
    "поделиться", "поделитесь", "поделиться в facebook", "поделиться в вконтакте", "поделиться статьей",
    "подписывайтесь на нас", "распечатать", "печать", "скопировать ссылку", "оцените статью",
    "была ли статья полезной",
    # zh
    "分享", "分享到", "分享至", "转发", "分享到微信", "分享到微博", "关注我们", "打印", "复制链接", "这篇文章对你有帮助吗",
    # ja
    "シェア", "シェアする", "この記事をシェア", "ツイート", "共有", "フォローする", "印刷", "リンクをコピー",
    "この記事は役に立ちましたか",
    # ar
    "شارك", "مشاركة", "شارك المقال", "شارك على فيسبوك", "شارك على تويتر", "تابعونا", "طباعة", "نسخ الرابط",
    "هل كان هذا المقال مفيدا", "قيم هذا المقال",
    # ur
    "شیئر کریں", "شیئر", "فیس بک پر شیئر کریں", "ہمیں فالو کریں", "پرنٹ کریں", "لنک کاپی کریں",
)
RECIRCULATION = (
    # de
    "das könnte dich auch interessieren", "das könnte sie auch interessieren", "mehr zum thema", "weitere artikel",
    "lesen sie auch", "auch interessant", "ähnliche artikel", "meistgelesen", "meistgelesene artikel", "mehr dazu",
    "empfehlungen", "weitere nachrichten",
    # fr
    "à lire aussi", "lire aussi", "sur le même sujet", "articles similaires", "les plus lus", "vous aimerez aussi",
    "à voir aussi", "voir aussi", "articles liés", "dans la même rubrique",
    # es
    "te puede interesar", "le puede interesar", "también te puede interesar", "lee también", "lea también",
    "noticias relacionadas", "artículos relacionados", "lo más leído", "más noticias", "te recomendamos",
    # it
    "potrebbe interessarti", "ti potrebbe interessare", "leggi anche", "articoli correlati", "i più letti",
    "potrebbe interessarti anche", "altre notizie",
    # pt
    "leia também", "veja também", "notícias relacionadas", "artigos relacionados", "mais lidas", "mais lidos",
    "você também pode gostar", "recomendados para você",
    # ru
    "читайте также", "смотрите также", "по теме", "похожие новости", "похожие статьи", "самое читаемое",
    "популярное", "вам может быть интересно", "другие новости", "рекомендуем",
    # zh
    "相关新闻", "相关阅读", "相关文章", "推荐阅读", "热门文章", "延伸阅读", "猜你喜欢", "更多新闻", "热门推荐",
    # ja
    "関連記事", "あわせて読みたい", "おすすめ記事", "人気記事", "こちらもおすすめ", "関連ニュース", "もっと見る",
    # ar
    "اقرأ أيضا", "اقرأ أيضاً", "مقالات ذات صلة", "أخبار ذات صلة", "الأكثر قراءة", "قد يهمك", "المزيد من الأخبار",
    # ur
    "مزید پڑھیں", "یہ بھی پڑھیں", "متعلقہ خبریں", "مزید خبریں", "مقبول ترین",
)
# The headers of a comment thread ("5 Kommentare" is a number and one of these).
COMMENTS = (
    "kommentare", "kommentar", "kommentar schreiben", "diskussion", "leserkommentare",
    "commentaires", "commentaire", "laisser un commentaire", "réagir", "réactions",
    "comentarios", "comentario", "deja un comentario", "dejar un comentario",
    "commenti", "commento", "lascia un commento",
    "comentários", "comentário", "deixe um comentário", "deixe o seu comentário",
    "комментарии", "комментариев", "комментария", "комментарий", "оставить комментарий", "обсуждение",
    "评论", "发表评论", "网友评论", "条评论", "コメント", "コメントする", "件のコメント", "コメントを書く",
    "تعليقات", "التعليقات", "أضف تعليق", "اترك تعليقا", "اترك تعليقاً",
    "تبصرے", "تبصرہ کریں", "اپنی رائے دیں", "آپ کی رائے",
)
# The reply link and the signature of one comment, in a thread without markup.
REPLY = ("antworten", "répondre", "responder", "rispondi", "responder", "ответить", "回复", "返信", "رد", "جواب دیں")
ADVERTISING = (
    "anzeige", "werbung", "publicité", "publicidad", "pubblicità", "publicidade", "реклама", "广告", "広告",
    "إعلان", "اعلان", "اشتہار",
)
# Anywhere in a block of up to 80 words.
LEGAL = (
    "alle rechte vorbehalten", "datenschutzerklärung", "wir verwenden cookies", "impressum",
    "tous droits réservés", "politique de confidentialité", "nous utilisons des cookies", "mentions légales",
    "todos los derechos reservados", "política de privacidad", "utilizamos cookies", "aviso legal",
    "tutti i diritti riservati", "informativa sulla privacy", "utilizziamo i cookie", "questo sito utilizza cookie",
    "todos os direitos reservados", "política de privacidade", "usamos cookies", "este site utiliza cookies",
    "все права защищены", "политика конфиденциальности", "мы используем файлы cookie", "использует файлы cookie",
    "版权所有", "隐私政策", "使用cookie", "使用 cookie", "無断転載", "プライバシーポリシー", "クッキーを使用",
    "جميع الحقوق محفوظة", "سياسة الخصوصية", "ملفات تعريف الارتباط",
    "جملہ حقوق محفوظ", "رازداری کی پالیسی", "کوکیز",
)
# The start of a short block: a date line, a byline, a credit, a teaser.
PUBLISHED = (
    "veröffentlicht", "aktualisiert", "stand:", "publié le", "mis à jour", "publicado", "actualizado",
    "pubblicato", "aggiornato", "atualizado", "опубликовано", "обновлено", "发布时间", "更新时间", "发布于",
    "公開日", "更新日", "投稿日", "نشر في", "تاريخ النشر", "آخر تحديث", "شائع", "اپ ڈیٹ",
)
BYLINE = ("von", "par", "por", "di", "de", "автор", "от", "作者", "記者", "文／", "بقلم", "كتب", "تحریر", "رپورٹ")
CREDIT = (
    "foto:", "bild:", "bildquelle", "fotos:", "photo :", "photo:", "crédit photo", "crédits photo", "foto de",
    "imagen:", "créditos", "immagine:", "fonte:", "фото:", "фото", "источник фото", "图片来源", "图片", "写真：",
    "写真:", "画像：", "صورة:", "الصورة:", "تصویر:", "فوٹو:",
)
READ_MORE = (
    "lesen sie auch", "mehr dazu", "lesen sie mehr", "weiterlesen", "à lire aussi", "lire aussi", "lire la suite",
    "lee también", "lea también", "leer más", "leggi anche", "leggi tutto", "leia também", "leia mais", "veja também",
    "читайте также", "читать далее", "подробнее", "相关阅读", "阅读更多", "阅读全文", "続きを読む", "関連記事",
    "اقرأ أيضا", "اقرأ المزيد", "یہ بھی پڑھیں", "مزید پڑھیں",
)
